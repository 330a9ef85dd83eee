"""Deleting at FinerWorks end to end, over real HTTP against the sandbox: chunking,
pre-flight, verification, every fault mode, credentials, claims and the recovery download."""

import json
from collections import Counter
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.models import (
    BulkDeletion,
    BulkDeletionItem,
    FinerWorksAccount,
    FinerWorksCall,
    PendingOrder,
)
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.helpers import confirm, fids, forget_verification, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)

Outcome = BulkDeletionItem.Outcome
DELETE = "delete_pending_orders"


# ---------------------------------------------------------------------------- helpers


def prepare(client, orders) -> str:
    """Tick the orders on the list page; return the confirmation page's URL."""
    response = client.post(
        reverse("orders:deletion_create"), {"orders": [str(o.pk) for o in orders]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "/confirm/" in response.url
    return response.url


def states(orders) -> dict[int, str]:
    rows = PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    return dict(rows.values_list("fulfillment_id", "state"))


def outcomes(deletion) -> dict[int, str]:
    return dict(deletion.items.values_list("fulfillment_id", "outcome"))


def remove_at_finerworks(fw, orders, account_key=None):
    """Someone deleted or submitted these orders at FinerWorks since our last sync."""
    for order in orders:
        fw.submit_order(order.fulfillment_id, account_key)


@pytest.fixture
def owner_orders(fw, owner_account):
    return mirror(fw, 4, seed=21)


# ---------------------------------------------------------------------------- freezing


def test_a_selection_is_frozen_with_each_orders_id_and_account_and_nothing_out_of_scope(
    fw, deleter, owner_account, delegated_account
):
    mine = mirror(fw, 4, seed=41)
    mirror(fw, 2, seed=42, account=delegated_account)  # not granted to the deleter
    PendingOrder.objects.filter(pk=mine[0].pk).update(state=PendingOrder.State.GONE)

    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())

    frozen = set(
        deletion.items.values_list("order", "account", "fulfillment_id", "outcome", "note")
    )
    assert frozen == {
        (o.pk, owner_account.pk, o.fulfillment_id, Outcome.SELECTED, "") for o in mine[1:]
    }


def test_a_selection_with_nothing_left_to_delete_is_refused_and_leaves_no_deletion(
    fw, deleter, owner_account
):
    orders = mirror(fw, 2, seed=43)
    PendingOrder.objects.update(state=PendingOrder.State.GONE)

    with pytest.raises(ValidationError, match="No pending orders were selected"):
        bulk_deletion_create(user=deleter, orders=PendingOrder.objects.filter(pk=orders[0].pk))

    assert not BulkDeletion.objects.exists()
    assert not BulkDeletionItem.objects.exists()


# ---------------------------------------------------------------------------- chunking


def test_120_orders_are_sent_in_chunks_of_50_50_and_20_without_repeating_an_id(
    client, deleter, fw, owner_account, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 50
    orders = mirror(fw, 120, seed=5)
    client.force_login(deleter)

    # Above FWADMIN_CONFIRM_TYPED_ABOVE (100) the count must be typed and a reason given.
    done = confirm(client, prepare(client, orders), typed_count=120, reason="Duplicate import")

    bodies = [r["body"] for r in fw.requests_for(DELETE)]
    assert [len(b["ids"]) for b in bodies] == [50, 50, 20]
    assert all("account_key" not in b for b in bodies)
    assert sorted(sent_ids(fw)) == sorted(fids(orders))  # intact, none twice
    assert set(states(orders).values()) == {PendingOrder.State.DELETED}
    deletion = BulkDeletion.objects.get()
    delete_calls = FinerWorksCall.objects.filter(bulk_deletion=deletion, purpose="delete")
    assert [len(c.request_payload["ids"]) for c in delete_calls.order_by("id")] == [50, 50, 20]
    assert set(delete_calls.values_list("outcome", flat=True)) == {"ok"}
    assert any("120 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_each_chunk_carries_one_accounts_ids_and_that_accounts_key(
    client, deleter, fw, owner_account, delegated_account, grant, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 50
    grant(deleter, delegated_account)
    mine = mirror(fw, 60, seed=6)
    theirs = mirror(fw, 70, seed=7, account=delegated_account)
    client.force_login(deleter)

    confirm(client, prepare(client, mine + theirs), typed_count=130, reason="Duplicate import")

    bodies = [r["body"] for r in fw.requests_for(DELETE)]
    assert sorted(len(b["ids"]) for b in bodies) == [10, 20, 50, 50]
    for body in bodies:
        if body.get("account_key") == delegated_account.account_key:
            assert set(body["ids"]) <= fids(theirs)
        else:
            assert "account_key" not in body
            assert set(body["ids"]) <= fids(mine)
    assert Counter(sent_ids(fw)) == Counter(fids(mine) | fids(theirs))
    assert fw.listed_ids() == set() and fw.listed_ids(delegated_account.account_key) == set()
    calls = FinerWorksCall.objects.filter(purpose="delete")
    assert {c.account_id for c in calls} == {owner_account.pk, delegated_account.pk}
    for call in calls:
        expected_key = call.account.account_key
        assert call.request_payload.get("account_key") == expected_key


# ---------------------------------------------------------------------------- verification


def test_ids_still_listed_after_the_delete_are_reported_still_pending(
    client, deleter, fw, owner_orders
):
    fw.add_fault(DELETE, "sticky")
    client.force_login(deleter)

    done = confirm(client, prepare(client, owner_orders))

    deletion = BulkDeletion.objects.get()
    assert set(outcomes(deletion).values()) == {Outcome.STILL_PENDING}
    assert set(states(owner_orders).values()) == {PendingOrder.State.PENDING}
    assert fids(owner_orders) <= fw.listed_ids()
    assert any(
        "4 orders are still pending at FinerWorks after the delete." in m
        for m in shown_messages(done)
    )
    purposes = list(deletion.calls.order_by("id").values_list("purpose", flat=True))
    assert purposes == ["preflight", "delete", "verify"]


def test_a_500_after_deleting_is_verified_as_deleted_and_never_resent(
    client, deleter, fw, owner_orders
):
    fw.add_fault(DELETE, "deleted_but_500")
    client.force_login(deleter)

    done = confirm(client, prepare(client, owner_orders))

    assert len(fw.requests_for(DELETE)) == 1
    deletion = BulkDeletion.objects.get()
    assert set(outcomes(deletion).values()) == {Outcome.DELETED}
    assert set(states(owner_orders).values()) == {PendingOrder.State.DELETED}
    [delete_call] = deletion.calls.filter(purpose="delete")
    assert (delete_call.http_status, delete_call.outcome) == (500, "server_error")
    assert deletion.calls.filter(purpose="verify", outcome="ok").count() == 1
    assert any("4 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


# ---------------------------------------------------------------------------- fault modes

# mode -> (delete attempts' audited outcomes, item outcome, words in a shown message)
FAULTS = {
    "500": (["server_error"], Outcome.STILL_PENDING, "still pending"),
    "502_html": (["server_error"], Outcome.STILL_PENDING, "still pending"),
    "read_timeout": (["outcome_unknown"], Outcome.STILL_PENDING, "still pending"),
    "drop": (["outcome_unknown"], Outcome.STILL_PENDING, "still pending"),
    "malformed_json": (["bad_response"], Outcome.STILL_PENDING, "still pending"),
    "success_false": (["request_rejected"], Outcome.REJECTED, "not deleted"),
    "400_modelstate": (["request_rejected"], Outcome.REJECTED, "not deleted"),
    # A 429/503 may come after FinerWorks processed the delete: never resent, verified.
    "429": (["rate_limited"], Outcome.STILL_PENDING, "still pending"),
    "503_retry": (["rate_limited"], Outcome.STILL_PENDING, "still pending"),
    "deleted_but_429": (["rate_limited"], Outcome.DELETED, "deleted at FinerWorks (verified)"),
    "deleted_but_503": (["rate_limited"], Outcome.DELETED, "deleted at FinerWorks (verified)"),
}


@pytest.mark.parametrize("mode", FAULTS)
def test_a_delete_fault_leaves_a_truthful_mirror_an_audit_row_per_attempt_and_a_message(
    client, deleter, fw, owner_orders, mode
):
    audited, item_outcome, words = FAULTS[mode]
    fw.add_fault(DELETE, mode)
    client.force_login(deleter)

    done = confirm(client, prepare(client, owner_orders))

    assert done.status_code == HTTPStatus.OK
    deletion = BulkDeletion.objects.get()
    # One chunk: nothing was left unsent when a rate limit stopped the run.
    assert deletion.state == BulkDeletion.State.FINISHED
    # The mirror says "deleted" exactly for what the sandbox really deleted.
    deleted_there = fw.deleted_ids
    for fid, state in states(owner_orders).items():
        assert (state == PendingOrder.State.DELETED) == (fid in deleted_there), (fid, state)
    assert set(outcomes(deletion).values()) == {item_outcome}
    # One audit row per HTTP attempt, every one linked to the deletion.
    delete_requests = fw.requests_for(DELETE)
    delete_calls = deletion.calls.filter(purpose="delete").order_by("id")
    assert [c.outcome for c in delete_calls] == audited
    assert len(delete_requests) == len(audited)
    assert [c.attempt for c in delete_calls] == list(range(1, len(audited) + 1))
    assert deletion.calls.count() == len(fw.requests)
    assert FinerWorksCall.objects.filter(bulk_deletion__isnull=True).count() == 1  # the sync
    assert any(words in m for m in shown_messages(done)), shown_messages(done)


def test_rejected_credentials_stop_the_run_and_say_so(
    client, deleter, fw, owner_account, delegated_account, grant
):
    grant(deleter, delegated_account)
    orders = mirror(fw, 3, seed=8) + mirror(fw, 3, seed=9, account=delegated_account)
    client.force_login(deleter)
    url = prepare(client, orders)
    assert client.get(url).status_code == HTTPStatus.OK
    fw.app_key = "rotated-at-finerworks"  # the keys stop working before the confirm POST

    done = confirm(client, url)

    assert fw.requests_for(DELETE) == []
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FAILED
    assert "credentials" in deletion.error_message
    assert set(outcomes(deletion).values()) == {Outcome.NOT_SENT}
    assert set(states(orders).values()) == {PendingOrder.State.PENDING}
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()
    # The first account's pre-flight was refused; the second account was not even tried.
    [call] = deletion.calls.all()
    assert call.outcome == "credentials_rejected"
    assert len(fw.requests) == 1
    assert any("credentials" in m for m in shown_messages(done))


def test_wrong_app_key_in_settings_stops_the_run_and_says_so(
    client, deleter, fw, owner_orders, settings
):
    client.force_login(deleter)
    url = prepare(client, owner_orders)
    settings.FINERWORKS_APP_KEY = "wrong"

    done = confirm(client, url)

    assert fw.requests_for(DELETE) == []
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FAILED
    assert set(states(owner_orders).values()) == {PendingOrder.State.PENDING}
    assert any("credentials" in m for m in shown_messages(done))


def _keys_rotate_after_first_delete(fw):
    """Make the sandbox accept the first delete, then reject the credentials from then on."""

    def rotate(entry):
        if entry["endpoint"] == DELETE:
            fw.app_key = "rotated-at-finerworks"  # this request was already authenticated

    fw.on_request = rotate


def test_credentials_rejected_mid_run_leave_the_remaining_chunks_unsent(
    client, deleter, fw, owner_account, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=10)
    client.force_login(deleter)
    url = prepare(client, orders)
    _keys_rotate_after_first_delete(fw)

    done = confirm(client, url)

    requests = fw.requests_for(DELETE)
    assert len(requests) == 2  # the third chunk is never sent
    assert fids(orders[4:]).isdisjoint(sent_ids(fw))
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FAILED
    result = outcomes(deletion)
    assert {result[o.fulfillment_id] for o in orders[2:4]} == {Outcome.REJECTED}
    assert {result[o.fulfillment_id] for o in orders[4:]} == {Outcome.NOT_SENT}
    assert set(states(orders[2:]).values()) == {PendingOrder.State.PENDING}
    assert any("credentials" in m for m in shown_messages(done))


def test_chunks_sent_before_the_credentials_failed_are_settled_not_left_in_flight(
    client, deleter, fw, owner_account, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=10)
    client.force_login(deleter)
    url = prepare(client, orders)
    _keys_rotate_after_first_delete(fw)

    confirm(client, url)

    deletion = BulkDeletion.objects.get()
    first_chunk = {o.fulfillment_id: outcomes(deletion)[o.fulfillment_id] for o in orders[:2]}
    # FinerWorks did delete these; a finished deletion must not leave them "sent, not yet
    # verified" with no message: either verified as deleted or flagged as unverified.
    assert set(first_chunk.values()) <= {Outcome.DELETED, Outcome.UNVERIFIED}, first_chunk
    assert not deletion.items.filter(outcome__in=[Outcome.SELECTED, Outcome.SENDING]).exists()


# ---------------------------------------------------------------------------- pre-flight


def test_orders_gone_at_finerworks_since_the_last_sync_are_not_sent(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 5, seed=12)
    client.force_login(deleter)
    url = prepare(client, orders)
    remove_at_finerworks(fw, orders[:2])

    done = confirm(client, url)

    assert sent_ids(fw) == sorted(fids(orders[2:]))
    deletion = BulkDeletion.objects.get()
    result = outcomes(deletion)
    assert {result[o.fulfillment_id] for o in orders[:2]} == {Outcome.ALREADY_GONE}
    assert {result[o.fulfillment_id] for o in orders[2:]} == {Outcome.DELETED}
    assert set(states(orders[:2]).values()) == {PendingOrder.State.GONE}
    [preflight] = deletion.calls.filter(purpose="preflight")
    assert sorted(preflight.request_payload["ids"]) == sorted(fids(orders))
    assert any(
        "2 orders were already gone at FinerWorks; nothing was sent." in m
        for m in shown_messages(done)
    )


def test_an_order_finerworks_lists_without_being_asked_for_it_is_never_sent(
    fw, deleter, owner_account
):
    orders = mirror(fw, 6, seed=44)
    fw.list_ignores_ids = True
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders[:3]])
    )
    bulk_deletion_confirm(deletion=deletion, user=deleter)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert sorted(sent_ids(fw)) == sorted(fids(orders[:3]))
    assert set(outcomes(deletion).values()) == {Outcome.DELETED}
    assert set(states(orders[3:]).values()) == {PendingOrder.State.PENDING}
    assert fw.listed_ids() == fids(orders[3:])


# ---------------------------------------------------------------------------- acknowledgement


@pytest.fixture
def unverified_account(fw):
    key = fw.add_account("99999999-8888-4777-8666-555555555555")
    return FinerWorksAccount.objects.create(name="Unproven Ltd", account_key=key)


def test_an_unverified_account_needs_the_acknowledgement_before_anything_is_sent(
    client, deleter, fw, owner_account, unverified_account, grant
):
    grant(deleter, unverified_account)
    orders = mirror(fw, 3, seed=13, account=unverified_account)
    forget_verification(unverified_account)
    client.force_login(deleter)
    url = prepare(client, orders)

    refused = client.post(url, {"confirm": "yes"})

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "has not been shown to honour the account key of Unproven Ltd" in (
        refused.content.decode()
    )
    assert fw.requests == []
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.AWAITING
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()

    done = confirm(client, url, acknowledge_unverified="on")

    assert done.status_code == HTTPStatus.OK
    [sent] = fw.requests_for(DELETE)
    assert sent["body"]["account_key"] == unverified_account.account_key
    assert sorted(sent["body"]["ids"]) == sorted(fids(orders))
    assert set(states(orders).values()) == {PendingOrder.State.DELETED}


# ---------------------------------------------------------------------------- recovery


def test_the_records_download_holds_the_raw_records_of_the_deleted_orders_only(
    client, deleter, fw, owner_account, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=14)
    client.force_login(deleter)
    url = prepare(client, orders[:5])  # the sixth is never selected
    remove_at_finerworks(fw, orders[:1])  # already gone
    fw.add_fault(DELETE, "sticky")  # the first chunk (orders 1, 2) stays pending
    confirm(client, url)
    deletion = BulkDeletion.objects.get()
    assert fw.deleted_ids == fids(orders[3:5])

    response = client.get(reverse("orders:deletion_records", args=[deletion.pk]))

    assert response.status_code == HTTPStatus.OK
    assert "attachment" in response["Content-Disposition"]
    payload = json.loads(response.content)
    assert payload["deletion"] == deletion.pk
    by_id = {r["fulfillment_id"]: r for r in payload["orders"]}
    assert set(by_id) == fids(orders[3:5])
    for fid, row in by_id.items():
        assert row["record"] == fw.deleted_record(fid)  # exactly what FinerWorks had listed
        assert row["account"] == owner_account.name


# ---------------------------------------------------------------------------- claims


def test_overlapping_deletions_confirmed_one_after_the_other_send_the_overlap_once(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 6, seed=15)
    client.force_login(deleter)
    first_url = prepare(client, orders[:4])
    second_url = prepare(client, orders[2:])

    confirm(client, first_url)
    done = confirm(client, second_url)

    assert Counter(sent_ids(fw)) == Counter(fids(orders))  # every id exactly once
    first, second = BulkDeletion.objects.order_by("pk")
    assert set(outcomes(first).values()) == {Outcome.DELETED}
    result = outcomes(second)
    assert {result[o.fulfillment_id] for o in orders[2:4]} == {Outcome.NOT_SENT}
    assert {result[o.fulfillment_id] for o in orders[4:]} == {Outcome.DELETED}
    assert second.items.filter(note__icontains="no longer pending").count() == 2
    assert any(
        "2 orders were not deleted; see each order's reason." in m for m in shown_messages(done)
    )
    assert set(states(orders).values()) == {PendingOrder.State.DELETED}
    assert PendingOrder.objects.filter(deleted_by_deletion=first).count() == 4


def test_orders_claimed_by_a_running_deletion_are_not_sent_by_another(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 6, seed=16)
    client.force_login(deleter)
    prepare(client, orders[:4])
    second_url = prepare(client, orders[2:])
    first, second = BulkDeletion.objects.order_by("pk")
    # The first is confirmed and running in the background (its task has not sent yet).
    assert bulk_deletion_confirm(deletion=first, user=deleter)

    confirm(client, second_url)
    bulk_deletion_run(deletion=first, acting_user=deleter)

    assert Counter(sent_ids(fw)) == Counter(fids(orders))  # the overlap went out once
    result = outcomes(second)
    assert {result[o.fulfillment_id] for o in orders[2:4]} == {Outcome.CLAIMED}
    assert second.items.filter(note="Already being deleted by deleter.").count() == 2
    assert {result[o.fulfillment_id] for o in orders[4:]} == {Outcome.DELETED}
    assert set(outcomes(first).values()) == {Outcome.DELETED}
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


def test_a_verification_asks_no_more_ids_per_call_than_the_pre_flight_got_back(
    fw, deleter, owner_account, settings, monkeypatch
):
    """Were FinerWorks to cut list answers at 3 orders, a verification asking for 6 ids at
    once would see 3 and call the other 3 deleted, though nothing was."""
    monkeypatch.setattr("orders.services.deletion_verify.LIST_CHUNK", 5)
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    mirror(fw, 10, seed=31)
    fw.list_cap = 3
    fw.add_fault(DELETE, "sticky", times=10)  # accepted, but nothing is deleted
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert not PendingOrder.objects.filter(state=PendingOrder.State.DELETED).exists()
    assert Counter(outcomes(deletion).values())[Outcome.STILL_PENDING] == len(sent_ids(fw))
    verify_calls = [r for r in fw.requests_for("list_pending_orders")][2:]
    assert verify_calls and all(len(r["body"]["ids"]) <= 3 for r in verify_calls)
