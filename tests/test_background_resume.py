"""Large deletions through the task queue: resuming a run whose worker died.

A requeued run resends a chunk only if FinerWorks did not apply it, leaves orders another
deletion claimed meanwhile, and is refused while a live worker still runs it; the worker shows
a sign of life before every call to FinerWorks, so a working run is never taken for a dead one.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.finerworks.client import FinerWorksClient
from orders.models import BulkDeletion, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, pending_orders_sync
from tests.background_helpers import Outcome, delete_bodies

pytestmark = pytest.mark.django_db(transaction=True)


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
