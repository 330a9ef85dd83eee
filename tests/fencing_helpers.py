"""Helpers shared by the fenced-run tests (tests/test_fencing_*.py): a confirmed deletion
of freshly mirrored orders, a heartbeat made stale so that the run may be requeued, everything
a run can write (to show a woken worker changed none of it), and the check that every order
was deleted once and verified."""

from datetime import timedelta

from django.utils import timezone

from orders.models import BulkDeletion, BulkDeletionItem, FinerWorksCall, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create
from tests.helpers import mirror, sent_ids

Outcome = BulkDeletionItem.Outcome
State = BulkDeletion.State
WAIT = 15  # seconds: the longest any single step may take before the test gives up


def _confirmed_deletion(fw, deleter, n, seed):
    orders = mirror(fw, n, seed=seed)
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    )
    assert bulk_deletion_confirm(deletion=deletion, user=deleter)
    return deletion, [o.fulfillment_id for o in orders]


def _make_heartbeat_stale(deletion):
    stale = timezone.now() - timedelta(minutes=10)
    assert BulkDeletion.objects.filter(pk=deletion.pk, state=State.RUNNING).update(
        heartbeat_at=stale
    )


def _everything_written(deletion):
    """What a run can write, to show a woken worker changed none of it."""
    return {
        "deletion": BulkDeletion.objects.filter(pk=deletion.pk).values().get(),
        "items": sorted(deletion.items.values_list("pk", "outcome", "note")),
        "orders": sorted(
            PendingOrder.objects.values_list(
                "pk", "state", "claimed_by_id", "deleted_by_deletion_id", "state_changed_at"
            )
        ),
        "calls": sorted(FinerWorksCall.objects.values_list("pk", flat=True)),
    }


def _assert_deleted_once_and_verified(fw, deletion, fids):
    sent = sent_ids(fw)
    assert len(sent) == len(set(sent)), f"ids sent more than once: {sent}"
    assert set(sent) == set(fids)
    assert not set(fids) & fw.listed_ids()
    deletion.refresh_from_db()
    assert deletion.state == State.FINISHED, deletion.error_message
    assert deletion.error_message == ""
    assert set(deletion.items.values_list("outcome", flat=True)) == {Outcome.DELETED}
    deleted = PendingOrder.objects.filter(fulfillment_id__in=fids, state="deleted")
    assert deleted.count() == len(fids)
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()
