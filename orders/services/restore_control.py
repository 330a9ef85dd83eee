"""Checking a restore again: a run whose saves ended with an unknown outcome (or whose
worker died) goes back in the queue; the next run lists, it never resends."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orders.deletion_states import deletion_move
from orders.models import BulkRestore, BulkRestoreItem, PendingOrder
from orders.permissions import user_can_requeue_deletion, user_can_restore_at_finerworks
from orders.restore_states import restore_items_move

from .deletion_control import STUCK_AFTER

State, Outcome = BulkRestore.State, BulkRestoreItem.Outcome
UNSETTLED = [Outcome.SAVING, Outcome.UNVERIFIED]


def bulk_restore_recheck_allowed(restore: BulkRestore) -> bool:
    """Failed with orders whose outcome is unknown, or running silent for STUCK_AFTER."""
    if not restore.items.filter(outcome__in=UNSETTLED).exists():
        return False
    if restore.state == State.FAILED:
        return True
    last = restore.heartbeat_at
    return restore.state == State.RUNNING and (last is None or timezone.now() - last > STUCK_AFTER)


def user_may_recheck(user, restore: BulkRestore) -> bool:
    """The restore's own creator, or whoever may requeue stalled runs (a superuser too)."""
    if not user_can_restore_at_finerworks(user):
        return False
    return restore.created_by_id == user.pk or user_can_requeue_deletion(user)


def bulk_restore_recheck(*, restore: BulkRestore, user) -> None:
    """Queue the restore again (the caller enqueues its task); ValidationError if not due."""
    if not user_may_recheck(user, restore):
        raise PermissionDenied("Only the person who started this restore may check it again.")
    restore.refresh_from_db()
    if not bulk_restore_recheck_allowed(restore):
        raise ValidationError(f"Restore #{restore.pk} has nothing to check again now.")
    moved = deletion_move(
        restore,
        sources=[restore.state],
        target=State.QUEUED,
        where={"heartbeat_at": restore.heartbeat_at},  # not if its worker just spoke
        finished_at=None,
        error_message="",
        heartbeat_at=timezone.now(),
    )
    if not moved:
        raise ValidationError(f"Restore #{restore.pk} changed meanwhile; reload the page.")
    restore.refresh_from_db()


def _releasable(restore: BulkRestore):
    return restore.items.filter(outcome=Outcome.UNVERIFIED, new_fulfillment_id__isnull=True)


def user_may_release(user, restore: BulkRestore) -> bool:
    """The restore's creator (or a superuser), who may restore."""
    return user_can_restore_at_finerworks(user) and (
        restore.created_by_id == user.pk or user.is_superuser
    )


def bulk_restore_release_allowed(restore: BulkRestore) -> bool:
    """The run has ended and left orders of unknown outcome without a new id."""
    return restore.is_done and _releasable(restore).exists()


def bulk_restore_release(*, restore: BulkRestore, user) -> int:
    """Staff checked at FinerWorks that no copy of these orders exists: their unknown
    outcome becomes "not saved" and they may be restored again. Only for a run that has
    ended, only orders without a new id; how many were released."""
    if not user_may_release(user, restore):
        raise PermissionDenied("Only the person who started this restore may release its orders.")
    restore.refresh_from_db()
    if not restore.is_done:
        raise ValidationError(f"Restore #{restore.pk} is still running; wait for it to end.")
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    unknown = _releasable(restore)
    order_ids = list(unknown.values_list("order_id", flat=True))
    released = restore_items_move(
        unknown,
        sources=[Outcome.UNVERIFIED],
        target=Outcome.NOT_SAVED,
        note=f"Released by {user.get_username()} on {stamp}: checked at FinerWorks, no copy.",
    )
    PendingOrder.objects.filter(pk__in=order_ids, restore_claimed_by=restore).update(
        restore_claimed_by=None
    )
    return released
