"""Large deletions through the task queue: claims on the orders.

Overlapping deletions never send an id twice (the later one records the orders already
claimed); on PostgreSQL, concurrent confirmations claim each order once and two workers on one
queued deletion run it once.
"""

import threading

import pytest
from django.db import connection

from orders.models import BulkDeletion, FinerWorksCall, PendingOrder
from orders.services import (
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_run,
    pending_orders_sync,
)
from tests.background_helpers import Outcome, delete_bodies
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions"
)


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
