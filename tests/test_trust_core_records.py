"""The trust core, end to end over real HTTP against the sandbox: listed records are
checked one by one; a record without a usable id, one fwadmin cannot store or an id listed
twice is skipped and named (and a record without a usable id leaves nothing marked gone),
while the rest of the answer, and the next account's sync, still count."""

import json
from http import HTTPStatus
from string import Template

import pytest

from orders.models import PendingOrder
from orders.services import pending_orders_sync
from tests.helpers import mirror, shown_messages
from tests.trust_core_helpers import State, last_sync_call, refresh, remove_at_finerworks, states

pytestmark = pytest.mark.django_db(transaction=True)


def record_at_finerworks(fw, order, account_key=None) -> dict:
    return fw.record(order.fulfillment_id, account_key)


# ---------------------------------------------------------------------------- records one by one

# A listed record without a usable id (a JSON integer 1..2**63-1), as JSON text ($fid: the id
# of a mirrored order FinerWorks no longer lists), and how the summary and audit name it.
NO_USABLE_ID = {
    "true": ('{"fulfillment_id": true}', "an order whose fulfillment_id is true"),
    "a fraction": ('{"fulfillment_id": 1.5}', "an order whose fulfillment_id is 1.5"),
    "a string": ('{"fulfillment_id": "$fid"}', 'an order whose fulfillment_id is "$fid"'),
    "a padded string": (
        '{"fulfillment_id": " $fid "}',
        'an order whose fulfillment_id is " $fid "',
    ),
    "zero": ('{"fulfillment_id": 0}', "an order whose fulfillment_id is 0"),
    "negative": ('{"fulfillment_id": -7}', "an order whose fulfillment_id is -7"),
    "2**63": (f'{{"fulfillment_id": {2**63}}}', f"an order whose fulfillment_id is {2**63}"),
    "no id": ('{"order_po": "NO-ID"}', "an order whose fulfillment_id is null"),
    "not an object": ('"not a dict"', "a str where an order belongs"),
}


@pytest.mark.parametrize("poison", NO_USABLE_ID)
def test_a_record_without_a_usable_id_is_skipped_and_named_and_nothing_is_marked_gone(
    client, viewer, fw, owner_account, poison
):
    orders = mirror(fw, 3, seed=65)
    remove_at_finerworks(fw, orders[:1])  # a complete answer would make it gone
    [new] = fw.seed(1, seed=66)
    text, shown = (
        Template(t).substitute(fid=orders[0].fulfillment_id) for t in NO_USABLE_ID[poison]
    )
    fw.add_raw_record(json.loads(text))
    client.force_login(viewer)

    response = refresh(client)

    assert response.status_code == HTTPStatus.OK
    [message] = shown_messages(response)
    assert shown in message and "skipped" in message
    assert "nothing marked gone" in message
    assert set(states(orders).values()) == {State.PENDING}
    assert PendingOrder.objects.filter(fulfillment_id=new["fulfillment_id"], state=State.PENDING)
    call = last_sync_call(owner_account)
    assert call.outcome == "ok"
    assert shown in call.error_text


# A record with a usable id fwadmin cannot store, and the problem it is named with.
UNSTORABLE = {
    "recipient not an object": (
        lambda r: r.update(recipient="not a dict"),
        "recipient is not an object",
    ),
    "order_items not a list": (
        lambda r: r.update(order_items={"product_sku": "X"}),
        "order_items is not a list",
    ),
    "a quantity beyond 32 bits": (
        lambda r: r["order_items"][0].update(product_qty=2**31),
        "product_qty '2147483648' is not a usable quantity",
    ),
    "a quantity that is not a number": (
        lambda r: r["order_items"][0].update(product_qty="abc"),
        "product_qty 'abc' is not a usable quantity",
    ),
    "a NUL in the PO": (
        lambda r: r.update(order_po="PO\u0000NUL"),
        "it contains a NUL character",
    ),
}


@pytest.mark.parametrize("poison", UNSTORABLE)
def test_a_record_that_cannot_be_stored_is_skipped_and_named_but_still_counts_as_listed(
    client, viewer, fw, owner_account, poison
):
    spoil, problem = UNSTORABLE[poison]
    orders = mirror(fw, 3, seed=67)
    bad, gone, kept = orders
    record = record_at_finerworks(fw, bad)
    spoil(record)
    remove_at_finerworks(fw, [bad, gone])
    fw.add_raw_record(record)  # the spoiled record replaces the good one
    [new] = fw.seed(1, seed=68)
    client.force_login(viewer)

    response = refresh(client)

    assert response.status_code == HTTPStatus.OK
    [message] = shown_messages(response)
    assert f"#{bad.fulfillment_id}: {problem}" in message
    assert "nothing marked gone" not in message
    assert states(orders) == {
        bad.fulfillment_id: State.PENDING,  # listed, so not gone; its old record is kept
        gone.fulfillment_id: State.GONE,  # the answer was complete
        kept.fulfillment_id: State.PENDING,
    }
    bad_before = bad.raw
    bad.refresh_from_db()
    assert bad.raw == bad_before
    assert PendingOrder.objects.filter(fulfillment_id=new["fulfillment_id"], state=State.PENDING)
    assert f"#{bad.fulfillment_id}: {problem}" in last_sync_call(owner_account).error_text


def test_an_id_listed_twice_in_one_answer_keeps_the_first_record_and_names_the_second(
    client, viewer, fw, owner_account
):
    orders = mirror(fw, 3, seed=69)
    twin, gone = orders[0], orders[1]
    fw.add_raw_record({**record_at_finerworks(fw, twin), "order_po": "TWIN-RECORD"})
    remove_at_finerworks(fw, [gone])
    client.force_login(viewer)

    response = refresh(client)

    [message] = shown_messages(response)
    assert f"#{twin.fulfillment_id}: listed twice in one answer" in message
    twin_before = twin.order_po
    twin.refresh_from_db()
    assert (twin.state, twin.order_po) == (State.PENDING, twin_before)
    assert states([gone]) == {gone.fulfillment_id: State.GONE}


def test_a_skipped_record_in_one_account_does_not_stop_the_sync_of_the_next(
    fw, owner_account, delegated_account
):
    mine = mirror(fw, 2, seed=70)
    theirs = mirror(fw, 3, seed=71, account=delegated_account)
    fw.add_raw_record("not a dict")  # in the owner's listing, synced first
    key = delegated_account.account_key
    remove_at_finerworks(fw, theirs[:1], account_key=key)
    [new] = fw.seed(1, seed=72, account_key=key)

    owner_summary, their_summary = pending_orders_sync()

    assert owner_summary.account == owner_account and not owner_summary.complete
    assert "a str where an order belongs" in str(owner_summary)
    assert set(states(mine).values()) == {State.PENDING}
    assert their_summary.ok and their_summary.complete
    assert (their_summary.new, their_summary.gone) == (1, 1)
    assert states(theirs)[theirs[0].fulfillment_id] == State.GONE
    assert PendingOrder.objects.get(fulfillment_id=new["fulfillment_id"]).account == (
        delegated_account
    )


def test_the_largest_64_bit_id_is_a_usable_id(fw, owner_account):
    largest = 2**63 - 1
    fw.add_raw_record({**fw.seed(1, seed=73)[0], "fulfillment_id": largest})

    [summary] = pending_orders_sync()

    assert summary.skipped == [] and summary.complete
    assert PendingOrder.objects.filter(fulfillment_id=largest, state=State.PENDING).exists()
