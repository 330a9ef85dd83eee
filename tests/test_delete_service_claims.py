"""Deleting at FinerWorks end to end, over real HTTP against the sandbox, across deletions:
the recovery download of what was deleted, claims that let overlapping or concurrent deletions
send each order once, and a verification never asking for more ids per call than the
pre-flight got back."""

import json
from collections import Counter
from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.delete_service_helpers import Outcome, outcomes, prepare, remove_at_finerworks, states
from tests.helpers import DELETE, confirm, fids, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)


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
