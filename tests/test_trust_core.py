"""The trust core, end to end over real HTTP against the sandbox: only a complete list answer
proves anything, listed records are checked one by one, bodies and nesting are capped, a
429/503 on a delete is settled by verification instead of a resend, a grant revoked mid-run
stops the next chunk, and a sync that contradicts a verified deletion says so loudly."""

import json
import time
import tracemalloc
from collections import Counter
from http import HTTPStatus
from string import Template

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from orders.finerworks.client import FinerWorksClient
from orders.finerworks.errors import BadResponse
from orders.models import (
    AccountGrant,
    BulkDeletion,
    BulkDeletionItem,
    FinerWorksCall,
    PendingOrder,
)
from orders.services import (
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_run,
    pending_orders_sync,
)
from orders.services.sync import Snapshot
from tests.helpers import confirm, fids, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)

Outcome = BulkDeletionItem.Outcome
State = PendingOrder.State
DELETE = "delete_pending_orders"
LIST = "list_pending_orders"


# ---------------------------------------------------------------------------- helpers


def prepare(client, orders) -> str:
    """Tick the orders on the list page; return the confirmation page's URL."""
    response = client.post(
        reverse("orders:deletion_create"), {"orders": [str(o.pk) for o in orders]}
    )
    assert response.status_code == HTTPStatus.FOUND
    return response.url


def states(orders) -> dict[int, str]:
    rows = PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    return dict(rows.values_list("fulfillment_id", "state"))


def outcomes(deletion) -> dict[int, str]:
    return dict(deletion.items.values_list("fulfillment_id", "outcome"))


def notes(deletion) -> dict[int, str]:
    return dict(deletion.items.values_list("fulfillment_id", "note"))


def refresh(client):
    return client.post(reverse("orders:refresh"), follow=True)


def record_at_finerworks(fw, order, account_key=None) -> dict:
    return fw.record(order.fulfillment_id, account_key)


def remove_at_finerworks(fw, orders, account_key=None):
    """Someone deleted or submitted these orders at FinerWorks since our last sync."""
    for order in orders:
        fw.submit_order(order.fulfillment_id, account_key)


def last_sync_call(account) -> FinerWorksCall:
    return FinerWorksCall.objects.filter(endpoint=LIST, purpose="sync", account=account).latest(
        "id"
    )


def after_first_delete(monkeypatch, action):
    """Run `action` once, right after fwadmin's first delete request got its answer."""
    real = FinerWorksClient.delete_pending_orders
    calls = []

    def delete_pending_orders(self, ids, account_key=None):
        try:
            return real(self, ids, account_key=account_key)
        finally:
            calls.append(list(ids))
            if len(calls) == 1:
                action()

    monkeypatch.setattr(FinerWorksClient, "delete_pending_orders", delete_pending_orders)


def delete_as(user, orders) -> BulkDeletion:
    """Freeze, confirm and run a deletion of the orders as the user (as the worker does)."""
    deletion = bulk_deletion_create(
        user=user, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    )
    assert bulk_deletion_confirm(
        deletion=deletion, user=user, unverified_accounts_acknowledged=True
    )
    bulk_deletion_run(deletion=deletion, acting_user=user)
    deletion.refresh_from_db()
    return deletion


# ---------------------------------------------------------------------------- complete answers

# Ways a success answer to a list call asked about ids can prove nothing about those ids.
UNPROVING_ANSWERS = {
    "orders missing": lambda fw, fid: fw.add_fault(LIST, "orders_missing"),
    "orders null": lambda fw, fid: fw.add_fault(LIST, "orders_null"),
    "orders not a list": lambda fw, fid: fw.add_fault(LIST, "orders_not_list"),
    "nested too deep": lambda fw, fid: fw.add_fault(LIST, "deep_nesting"),
    "a record whose id is text": lambda fw, fid: fw.add_raw_record({"fulfillment_id": str(fid)}),
}


@pytest.mark.parametrize("answer", UNPROVING_ANSWERS)
def test_a_verification_answer_that_proves_nothing_marks_nothing_deleted(
    client, deleter, fw, owner_account, monkeypatch, answer
):
    orders = mirror(fw, 3, seed=61)
    client.force_login(deleter)
    url = prepare(client, orders)
    after_first_delete(monkeypatch, lambda: UNPROVING_ANSWERS[answer](fw, orders[0].fulfillment_id))

    done = confirm(client, url)

    assert done.status_code == HTTPStatus.OK
    assert Counter(sent_ids(fw)) == Counter(fids(orders))  # sent once, never resent
    assert fw.deleted_ids == fids(orders)  # FinerWorks did delete them, but no answer said so
    deletion = BulkDeletion.objects.get()
    assert set(outcomes(deletion).values()) == {Outcome.UNVERIFIED}
    assert set(states(orders).values()) == {State.PENDING}
    [verify] = deletion.calls.filter(purpose="verify")
    assert verify.outcome == "bad_response"
    assert any("3 orders were sent but could not be checked" in m for m in shown_messages(done))


@pytest.mark.parametrize("answer", UNPROVING_ANSWERS)
def test_a_preflight_answer_that_proves_nothing_sends_nothing(
    client, deleter, fw, owner_account, answer
):
    orders = mirror(fw, 3, seed=62)
    client.force_login(deleter)
    url = prepare(client, orders)
    UNPROVING_ANSWERS[answer](fw, orders[0].fulfillment_id)

    done = confirm(client, url)

    assert fw.requests_for(DELETE) == []
    assert fw.listed_ids() == fids(orders)
    deletion = BulkDeletion.objects.get()
    assert set(outcomes(deletion).values()) == {Outcome.NOT_SENT}
    assert all(
        n.startswith("Pre-flight check failed, nothing sent") for n in notes(deletion).values()
    )
    assert set(states(orders).values()) == {State.PENDING}
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()
    [preflight] = deletion.calls.filter(purpose="preflight")
    assert preflight.outcome == "bad_response"
    assert any("3 orders were not deleted" in m for m in shown_messages(done))


def test_a_preflight_answer_with_an_unusable_record_stops_only_that_accounts_orders(
    client, deleter, fw, owner_account, delegated_account, grant
):
    grant(deleter, delegated_account)
    mine = mirror(fw, 2, seed=63)
    theirs = mirror(fw, 2, seed=64, account=delegated_account)
    client.force_login(deleter)
    url = prepare(client, mine + theirs)
    fw.add_raw_record({"fulfillment_id": f" {mine[0].fulfillment_id} "})  # owner's listing only

    confirm(client, url)

    assert sorted(sent_ids(fw)) == sorted(fids(theirs))
    result = outcomes(BulkDeletion.objects.get())
    assert {result[o.fulfillment_id] for o in mine} == {Outcome.NOT_SENT}
    assert {result[o.fulfillment_id] for o in theirs} == {Outcome.DELETED}
    assert set(states(mine).values()) == {State.PENDING}
    assert set(states(theirs).values()) == {State.DELETED}


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


# ---------------------------------------------------------------------------- size and depth


def test_an_answer_over_the_size_cap_changes_nothing_and_says_why(
    client, viewer, fw, owner_account, settings
):
    settings.FINERWORKS_MAX_RESPONSE_MB = 1
    fw.huge_body_bytes = 3_000_000
    orders = mirror(fw, 3, seed=74)
    remove_at_finerworks(fw, orders[:1])  # a misread answer would mark it gone
    before = list(PendingOrder.objects.values_list("pk", "state", "last_seen_at"))
    fw.add_fault(LIST, "huge_body")
    client.force_login(viewer)

    response = refresh(client)

    assert response.status_code == HTTPStatus.OK
    [message] = shown_messages(response)
    assert "over 1 MB" in message and "nothing changed" in message
    assert list(PendingOrder.objects.values_list("pk", "state", "last_seen_at")) == before
    call = last_sync_call(owner_account)
    assert call.outcome == "bad_response"
    assert "over 1 MB" in call.error_text


def test_the_same_large_answer_under_the_size_cap_is_read(fw, owner_account, settings):
    settings.FINERWORKS_MAX_RESPONSE_MB = 4
    fw.huge_body_bytes = 3_000_000
    fw.seed(2, seed=75)
    fw.add_fault(LIST, "huge_body")

    [summary] = pending_orders_sync()

    assert summary.ok and summary.new == 3  # the two orders and the padded record
    assert PendingOrder.objects.filter(order_po="HUGE_BODY").exists()


def test_a_deeply_nested_answer_is_refused_quickly_and_without_much_memory(fw, owner_account):
    orders = mirror(fw, 3, seed=76)
    assert fw.deep_nesting_depth == 20_000
    fw.add_fault(LIST, "deep_nesting", times=2)

    started = time.perf_counter()
    [timed] = pending_orders_sync()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        [traced] = pending_orders_sync()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert isinstance(timed.error, BadResponse) and isinstance(traced.error, BadResponse)
    assert elapsed < 0.5, f"{elapsed:.2f} s"
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB"
    assert set(states(orders).values()) == {State.PENDING}


# ---------------------------------------------------------------------------- 429 / 503 on delete


@pytest.mark.parametrize(
    "mode, first_chunk",
    [
        ("429", Outcome.STILL_PENDING),
        ("503_retry", Outcome.STILL_PENDING),
        ("deleted_but_429", Outcome.DELETED),
        ("deleted_but_503", Outcome.DELETED),
    ],
)
def test_a_rate_limit_on_a_delete_stops_the_run_and_verification_settles_the_chunk(
    client, deleter, fw, owner_account, settings, mode, first_chunk
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=77)
    fw.add_fault(DELETE, mode)
    client.force_login(deleter)

    done = confirm(client, prepare(client, orders))

    assert done.status_code == HTTPStatus.OK
    # Only the first chunk went out, once: a 429/503 is never resent, and it stops the run.
    assert Counter(sent_ids(fw)) == Counter(fids(orders[:2]))
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FAILED
    assert "slow down" in deletion.error_message
    result = outcomes(deletion)
    assert {result[o.fulfillment_id] for o in orders[:2]} == {first_chunk}
    assert {result[o.fulfillment_id] for o in orders[2:]} == {Outcome.NOT_SENT}
    assert all("slow down" in notes(deletion)[o.fulfillment_id] for o in orders[2:])
    deleted = first_chunk == Outcome.DELETED
    assert set(states(orders[:2]).values()) == {State.DELETED if deleted else State.PENDING}
    assert set(states(orders[2:]).values()) == {State.PENDING}
    assert [c.outcome for c in deletion.calls.filter(purpose="delete")] == ["rate_limited"]
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


# ---------------------------------------------------------------------------- revoked mid-run


def _revoke_grant(user, account):
    AccountGrant.objects.filter(user=user, account=account).delete()


def _revoke_permission(user, account):
    user.user_permissions.remove(Permission.objects.get(codename="delete_at_finerworks"))


REVOCATIONS = {
    "the account grant": (_revoke_grant, "deleter may not act for the FinerWorks account"),
    "the delete permission": (
        _revoke_permission,
        "deleter may no longer delete orders at FinerWorks",
    ),
}


@pytest.mark.parametrize("revoked", REVOCATIONS)
def test_a_right_revoked_during_a_run_stops_the_next_chunk_and_is_audited(
    fw, deleter, delegated_account, grant, settings, monkeypatch, revoked
):
    revoke, refusal = REVOCATIONS[revoked]
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    grant(deleter, delegated_account)
    orders = mirror(fw, 6, seed=78, account=delegated_account)
    after_first_delete(monkeypatch, lambda: revoke(deleter, delegated_account))

    deletion = delete_as(deleter, orders)

    first, rest = orders[:2], orders[2:]
    assert sent_ids(fw) == sorted(fids(first))
    assert fw.listed_ids(delegated_account.account_key) == fids(rest)
    result = outcomes(deletion)
    assert {result[o.fulfillment_id] for o in first} == {Outcome.DELETED}
    assert {result[o.fulfillment_id] for o in rest} == {Outcome.NOT_SENT}
    assert all(refusal in notes(deletion)[o.fulfillment_id] for o in rest)
    assert set(states(first).values()) == {State.DELETED}
    assert set(states(rest).values()) == {State.PENDING}
    [refused] = FinerWorksCall.objects.filter(outcome="refused")
    assert (refused.endpoint, refused.purpose) == (DELETE, "delete")
    assert refused.bulk_deletion_id == deletion.pk
    assert refused.account == delegated_account
    assert refused.request_payload["ids"] == sorted(fids(rest))
    assert refusal in refused.error_text


# ---------------------------------------------------------------------------- the safety net


def test_a_sync_still_listing_an_order_verified_deleted_puts_it_back_with_a_warning(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 3, seed=79)
    client.force_login(deleter)
    confirm(client, prepare(client, orders))
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FINISHED
    assert set(outcomes(deletion).values()) == {Outcome.DELETED}
    back, *others = orders
    fw.undelete_order(back.fulfillment_id)  # FinerWorks lists it again: the delete did not hold

    [summary] = pending_orders_sync()

    said = f"FinerWorks still lists this order after deletion #{deletion.pk} reported it deleted."
    back.refresh_from_db()
    assert back.state == State.PENDING
    assert back.warning.startswith(said)
    assert set(states(others).values()) == {State.DELETED}
    assert not PendingOrder.objects.exclude(pk=back.pk).exclude(warning="").exists()
    assert summary.listed_again == 1
    assert "1 marked deleted are still listed by FinerWorks" in str(summary)
    item = deletion.items.get(order=back)
    assert item.outcome == Outcome.STILL_PENDING
    assert said.replace("this order", "it") in item.note
    assert {outcomes(deletion)[o.fulfillment_id] for o in others} == {Outcome.DELETED}
    [finding] = FinerWorksCall.objects.filter(outcome="listed_after_delete")
    assert finding.bulk_deletion_id == deletion.pk
    assert finding.account == owner_account
    assert finding.request_payload["ids"] == [back.fulfillment_id]
    page = client.get(reverse("orders:detail", args=[back.pk]))
    assert page.status_code == HTTPStatus.OK
    assert said in page.content.decode()


def deleted_while_listing(monkeypatch, order):
    """A deletion's verification marks the order deleted after the sync listed it (its
    snapshot still shows the order) and before that snapshot is applied."""
    real_of = Snapshot.of

    def listed_then_verified_deleted(response, listed_at):
        snapshot = real_of(response, listed_at)
        PendingOrder.objects.filter(pk=order.pk).update(
            state=State.DELETED, state_changed_at=timezone.now()
        )
        return snapshot

    monkeypatch.setattr(
        "orders.services.sync.Snapshot.of", staticmethod(listed_then_verified_deleted)
    )


def test_a_listing_taken_before_a_deletion_was_verified_does_not_revive_the_order(
    fw, owner_account, monkeypatch
):
    orders = mirror(fw, 3, seed=80)
    target = orders[0]
    deleted_while_listing(monkeypatch, target)

    [summary] = pending_orders_sync()

    target.refresh_from_db()
    assert (target.state, target.warning) == (State.DELETED, "")
    assert summary.listed_again == 0
    assert "pending again" not in str(summary)
    assert not FinerWorksCall.objects.filter(outcome="listed_after_delete").exists()
    assert set(states(orders[1:]).values()) == {State.PENDING}


def test_an_order_a_sync_lost_the_race_for_is_not_reported_as_changed(
    fw, owner_account, monkeypatch
):
    orders = mirror(fw, 3, seed=82)
    deleted_while_listing(monkeypatch, orders[0])

    [summary] = pending_orders_sync()

    # Nothing of the mirror was written: the summary staff read must not say otherwise.
    assert (summary.new, summary.changed, summary.gone) == (0, 0, 0), str(summary)


def test_a_sync_never_marks_gone_an_order_a_confirmed_deletion_holds(fw, deleter, owner_account):
    orders = mirror(fw, 3, seed=81)
    held, unheld, _ = orders
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.filter(pk=held.pk))
    assert bulk_deletion_confirm(deletion=deletion, user=deleter)  # claimed; not sent yet
    remove_at_finerworks(fw, [held, unheld])

    [summary] = pending_orders_sync()

    assert summary.complete and summary.gone == 1
    assert states([held, unheld]) == {
        held.fulfillment_id: State.PENDING,
        unheld.fulfillment_id: State.GONE,
    }
    # The deletion that holds it settles it: FinerWorks no longer lists it, nothing is sent.
    bulk_deletion_run(deletion=deletion, acting_user=deleter)
    assert fw.requests_for(DELETE) == []
    assert outcomes(deletion) == {held.fulfillment_id: Outcome.ALREADY_GONE}
    assert states([held]) == {held.fulfillment_id: State.GONE}
