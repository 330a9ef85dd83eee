"""Checking a restore again: a run whose saves ended with an unknown outcome (or whose
worker died) goes back in the queue; the next run lists, it never resends."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orders.deletion_states import deletion_move
from orders.models import BulkRestore, BulkRestoreItem
from orders.permissions import user_can_restore_at_finerworks

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


def bulk_restore_recheck(*, restore: BulkRestore, user) -> None:
    """Queue the restore again (the caller enqueues its task); ValidationError if not due."""
    if not user_can_restore_at_finerworks(user):
        raise PermissionDenied("You may not restore orders at FinerWorks.")
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
