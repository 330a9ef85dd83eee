"""Large deletions through the task queue: select-all-matching, progress, resume, claims."""

import math
import threading
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.finerworks.client import FinerWorksClient
from orders.models import BulkDeletion, BulkDeletionItem, FinerWorksCall, PendingOrder
from orders.services import (
    bulk_deletion_cancel,
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_run,
    pending_orders_sync,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)
Outcome = BulkDeletionItem.Outcome
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"
)


def delete_bodies(fw):
    return [r["body"] for r in fw.requests_for("delete_pending_orders")]


def test_5000_orders_selected_by_filter_are_deleted_in_batches_through_the_queue(
    client, deleter, fw, owner_account
):
    fw.seed(5000, seed=21)
    pending_orders_sync()
    client.force_login(deleter)

    # Select-all-matching posts the filter, never thousands of id fields.
    response = client.post(reverse("orders:deletion_create"), {"select_all": "on", "state": ""})
    deletion = BulkDeletion.objects.get()
    assert deletion.by_filter and deletion.items.count() == 5000
    page = client.get(response.url)
    assert "Type the number of orders" in page.content.decode()

    missing_reason = client.post(response.url, {"confirm": "yes", "typed_count": "5000"})
    assert missing_reason.status_code == HTTPStatus.BAD_REQUEST
    assert delete_bodies(fw) == []

    done = client.post(
        response.url,
        {"confirm": "yes", "typed_count": "5000", "reason": "bad Excel import"},
        follow=True,
    )

    assert done.status_code == HTTPStatus.OK
    bodies = delete_bodies(fw)
    assert len(bodies) == math.ceil(5000 / 50)
    sent = [i for b in bodies for i in b["ids"]]
    assert len(sent) == len(set(sent)) == 5000
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.FINISHED
    assert deletion.reason == "bad Excel import"
    assert deletion.items.filter(outcome=Outcome.DELETED).count() == 5000
    assert PendingOrder.objects.filter(state="deleted").count() == 5000
    progress = client.get(reverse("orders:deletion_progress", args=[deletion.pk])).json()
    assert progress["percent"] == 100 and progress["done"] and progress["delete_calls"] == 100


def _interrupted_deletion(fw, deleter, n=6):
    """A deletion whose worker died right after sending its first chunk."""
    fw.seed(n, seed=5)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    first_chunk = sorted(deletion.items.values_list("fulfillment_id", flat=True))[:2]
    deletion.items.filter(fulfillment_id__in=first_chunk).update(outcome=Outcome.SENDING)
    stale = timezone.now() - timedelta(minutes=10)
    BulkDeletion.objects.filter(pk=deletion.pk).update(
        state=BulkDeletion.State.RUNNING, heartbeat_at=stale
    )
    return deletion, first_chunk


@pytest.mark.parametrize("applied", [True, False])
def test_a_resumed_run_resends_a_chunk_only_if_finerworks_did_not_apply_it(
    fw, deleter, owner_account, settings, applied
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    deletion, first_chunk = _interrupted_deletion(fw, deleter)
    if applied:  # the request reached FinerWorks before the worker died
        fw.delete_orders(first_chunk)

    call_command("deletions", requeue=deletion.pk)

    sent = [i for b in delete_bodies(fw) for i in b["ids"]]
    assert [sent.count(fid) for fid in first_chunk] == [0 if applied else 1] * 2
    assert len(sent) == len(set(sent))
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.FINISHED
    assert deletion.items.exclude(outcome=Outcome.DELETED).count() == 0


def test_a_running_deletion_with_a_live_worker_is_not_requeued(fw, deleter, owner_account):
    deletion, _ = _interrupted_deletion(fw, deleter)
    BulkDeletion.objects.filter(pk=deletion.pk).update(heartbeat_at=timezone.now())
    with pytest.raises(Exception, match="is running"):
        call_command("deletions", requeue=deletion.pk)
    assert delete_bodies(fw) == []


def test_the_worker_shows_a_sign_of_life_before_every_call_to_finerworks(
    fw, deleter, owner_account, settings, monkeypatch
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    deletion, _ = _interrupted_deletion(fw, deleter)
    previous_call_ended = [timezone.now()]
    calls = []
    real_call = FinerWorksClient._call

    def call(self, method, endpoint, payload):
        heartbeat = BulkDeletion.objects.values_list("heartbeat_at", flat=True).get()
        calls.append((endpoint, heartbeat >= previous_call_ended[0]))
        try:
            return real_call(self, method, endpoint, payload)
        finally:
            previous_call_ended[0] = timezone.now()

    monkeypatch.setattr(FinerWorksClient, "_call", call)

    call_command("deletions", requeue=deletion.pk)

    # Resume check, pre-flight, three chunks, verification: each after a fresh heartbeat,
    # so bulk_deletion_requeue never takes a working run for a dead one.
    assert [endpoint for endpoint, _ in calls] == ["list_pending_orders"] * 2 + [
        "delete_pending_orders"
    ] * 3 + ["list_pending_orders"]
    assert all(fresh for _, fresh in calls), calls


def test_a_cancel_during_the_run_lets_the_chunk_in_flight_finish_and_sends_nothing_more(
    fw, deleter, owner_account, settings, monkeypatch
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    fw.seed(6, seed=11)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    real_delete = FinerWorksClient.delete_pending_orders

    def delete_then_cancel(self, ids, account_key=None):
        response = real_delete(self, ids, account_key=account_key)
        # Staff press "cancel" while this first chunk is in flight.
        assert bulk_deletion_cancel(deletion=deletion, user=deleter).startswith("Cancelling")
        return response

    monkeypatch.setattr(FinerWorksClient, "delete_pending_orders", delete_then_cancel)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    [first_chunk] = delete_bodies(fw)
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    sent = deletion.items.filter(fulfillment_id__in=first_chunk["ids"])
    assert set(sent.values_list("outcome", flat=True)) == {Outcome.DELETED}  # verified
    rest = deletion.items.exclude(fulfillment_id__in=first_chunk["ids"])
    assert set(rest.values_list("outcome", "note")) == {(Outcome.NOT_SENT, "Cancelled.")}
    assert PendingOrder.objects.filter(state="deleted").count() == 2
    assert PendingOrder.objects.filter(state="pending").count() == 4
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


def test_cancel_before_the_worker_starts_sends_nothing(client, deleter, fw, owner_account):
    fw.seed(3, seed=2)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)  # queued, no worker yet
    client.force_login(deleter)

    client.post(reverse("orders:deletion_cancel", args=[deletion.pk]))
    bulk_deletion_run(deletion=deletion, acting_user=deleter)  # the worker arrives late

    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert delete_bodies(fw) == []
    assert PendingOrder.objects.filter(state="pending", claimed_by=None).count() == 3


def test_progress_endpoint_is_scoped_like_the_deletion(client, deleter, fw, owner_account):
    fw.seed(2, seed=3)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    url = reverse("orders:deletion_progress", args=[deletion.pk])

    client.force_login(make_user("noperm"))
    assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    client.force_login(deleter)
    body = client.get(url).json()
    assert body["total"] == 2 and body["state"] == "awaiting"
    assert "account_key" not in str(body)


def test_progress_of_another_accounts_deletion_is_not_found(
    client, fw, owner_account, delegated_account, grant
):
    fw.seed(2, seed=3, account_key=delegated_account.account_key)
    pending_orders_sync()
    granted = make_user("granted", "orders.view_pendingorder", "orders.delete_at_finerworks")
    grant(granted, delegated_account)
    deletion = bulk_deletion_create(user=granted, orders=PendingOrder.objects.all())
    outsider = make_user("outsider", "orders.view_pendingorder")
    client.force_login(outsider)
    url = reverse("orders:deletion_progress", args=[deletion.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_overlapping_deletions_never_send_an_id_twice(fw, owner_account):
    fw.seed(10, seed=8)
    pending_orders_sync()
    alice = make_user("alice", "orders.view_pendingorder", "orders.delete_at_finerworks")
    bob = make_user("bob", "orders.view_pendingorder", "orders.delete_at_finerworks")
    orders = list(PendingOrder.objects.order_by("fulfillment_id"))
    first = bulk_deletion_create(
        user=alice, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders[:6]])
    )
    second = bulk_deletion_create(
        user=bob, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders[4:]])
    )

    bulk_deletion_confirm(deletion=first, user=alice)
    bulk_deletion_confirm(deletion=second, user=bob)
    bulk_deletion_run(deletion=second, acting_user=bob)
    bulk_deletion_run(deletion=first, acting_user=alice)

    sent = [i for b in delete_bodies(fw) for i in b["ids"]]
    assert len(sent) == len(set(sent)) == 10
    overlap = second.items.filter(outcome=Outcome.CLAIMED)
    assert overlap.count() == 2
    assert "Already being deleted by alice" in overlap.first().note


@on_postgres
def test_concurrent_confirmations_on_postgres_claim_each_order_once(fw, owner_account):
    fw.seed(40, seed=9)
    pending_orders_sync()
    users = [
        make_user(f"staff{i}", "orders.view_pendingorder", "orders.delete_at_finerworks")
        for i in range(2)
    ]
    deletions = [bulk_deletion_create(user=u, orders=PendingOrder.objects.all()) for u in users]
    barrier = threading.Barrier(2)
    errors = []

    def confirm_and_run(deletion, user):
        try:
            barrier.wait()
            bulk_deletion_confirm(deletion=deletion, user=user)
            bulk_deletion_run(deletion=deletion, acting_user=user)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=confirm_and_run, args=(d, u))
        for d, u in zip(deletions, users, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    sent = [i for b in delete_bodies(fw) for i in b["ids"]]
    assert len(sent) == len(set(sent)) == 40
    assert PendingOrder.objects.filter(state="deleted").count() == 40


@on_postgres
def test_two_workers_on_one_queued_deletion_run_it_once(fw, owner_account, deleter):
    fw.seed(20, seed=10)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    barrier = threading.Barrier(2)

    def work():
        barrier.wait()
        try:
            bulk_deletion_run(
                deletion=BulkDeletion.objects.get(pk=deletion.pk), acting_user=deleter
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(fw.requests_for("delete_pending_orders")) == 1
    assert FinerWorksCall.objects.filter(bulk_deletion=deletion, purpose="preflight").count() == 1


def test_a_requeued_run_leaves_orders_another_deletion_claimed_meanwhile(
    fw, deleter, owner_account
):
    deletion, first_chunk = _interrupted_deletion(fw, deleter)
    # The run failed and released its claims; another deletion then took two unsent orders.
    BulkDeletion.objects.filter(pk=deletion.pk).update(state=BulkDeletion.State.FAILED)
    PendingOrder.objects.update(claimed_by=None)
    unsent = deletion.items.filter(outcome=Outcome.SELECTED).order_by("fulfillment_id")[:2]
    taken = {item.fulfillment_id: item.order_id for item in unsent}
    other = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=taken.values())
    )
    assert bulk_deletion_confirm(deletion=other, user=deleter)

    call_command("deletions", requeue=deletion.pk)

    sent = {i for b in delete_bodies(fw) for i in b["ids"]}
    assert sent and not sent & set(taken)
    outcomes = dict(deletion.items.values_list("fulfillment_id", "outcome"))
    assert {outcomes[fid] for fid in taken} == {Outcome.CLAIMED}
    assert PendingOrder.objects.filter(pk__in=taken.values(), claimed_by=other).count() == 2
    assert set(taken) <= fw.listed_ids()


def test_the_deletions_command_says_when_there_is_none_and_lists_them_otherwise(
    deleter, fw, owner_account, capsys
):
    call_command("deletions")
    assert capsys.readouterr().out.strip() == "No deletions yet."

    fw.seed(2, seed=3)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())

    call_command("deletions")
    out = capsys.readouterr().out
    assert f"#{deletion.pk}" in out and "0/2 settled" in out and "No deletions" not in out
