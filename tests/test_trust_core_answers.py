"""The trust core, end to end over real HTTP against the sandbox: only a complete list
answer proves anything (a verification or pre-flight answer that proves nothing marks nothing
deleted and sends nothing), and bodies and nesting are capped (an answer over the size cap or
nested too deep changes nothing)."""

import time
import tracemalloc
from collections import Counter
from http import HTTPStatus

import pytest

from orders.finerworks.errors import BadResponse
from orders.models import BulkDeletion, PendingOrder
from orders.services import pending_orders_sync
from tests.helpers import DELETE, confirm, fids, mirror, sent_ids, shown_messages
from tests.trust_core_helpers import (
    LIST,
    Outcome,
    State,
    after_first_delete,
    last_sync_call,
    notes,
    outcomes,
    prepare,
    refresh,
    remove_at_finerworks,
    states,
)

pytestmark = pytest.mark.django_db(transaction=True)


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
