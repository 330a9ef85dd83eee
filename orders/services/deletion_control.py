"""Steering a deletion after its confirmation: cancel it, or put a stuck one back in the
queue (its next run verifies what was sent before sending anything again)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from orders.deletion_states import deletion_move, items_move
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder

Outcome = BulkDeletionItem.Outcome
State = BulkDeletion.State


# Longer than the worst single call (connect retries and a slow read at FINERWORKS_TIMEOUT),
# so a worker that is only waiting on FinerWorks is never taken for dead.
STUCK_AFTER = timedelta(minutes=5)


def bulk_deletion_cancel(*, deletion: BulkDeletion, user) -> str:
    """Stop a deletion: at once if nothing runs yet, else between chunks. Sends nothing."""
    if deletion.created_by_id != user.pk and not user.is_superuser:
        raise PermissionDenied("Only the person who started this deletion may cancel it.")
    with transaction.atomic():
        stopped = deletion_move(
            deletion,
            sources=[State.AWAITING, State.QUEUED],
            target=State.CANCELLED,
            finished_at=timezone.now(),
        )
        if stopped:
            items_move(
                deletion.items,
                sources=[Outcome.SELECTED],
                target=Outcome.NOT_SENT,
                note="Cancelled.",
            )
            PendingOrder.objects.filter(claimed_by=deletion).update(claimed_by=None)
            return "Cancelled before anything was sent."
        if BulkDeletion.objects.filter(pk=deletion.pk, state=BulkDeletion.State.RUNNING).update(
            cancel_requested=True
        ):
            return "Cancelling: the chunk in flight finishes and is verified, nothing more is sent."
    return "This deletion has already ended."


# A queued deletion no worker has taken for this long may need its task queued again.
QUEUED_TOO_LONG = timedelta(minutes=2)


def bulk_deletion_requeue_allowed(deletion: BulkDeletion) -> bool:
    """Whether the page offers a requeue: something is left to send or verify, and the
    deletion failed, waits in the queue untaken, or runs with no sign of life for
    STUCK_AFTER."""
    if not deletion.items.filter(outcome__in=[Outcome.SELECTED, Outcome.SENDING]).exists():
        return False
    now, last = timezone.now(), deletion.heartbeat_at
    if deletion.state == State.FAILED:
        return True
    if deletion.state == State.QUEUED:
        waiting_since = last or deletion.confirmed_at
        return waiting_since is not None and now - waiting_since > QUEUED_TOO_LONG
    return deletion.state == State.RUNNING and (last is None or now - last > STUCK_AFTER)


def bulk_deletion_requeue(*, deletion: BulkDeletion, force: bool = False) -> None:
    """Put a stuck or failed deletion back in the queue; its run verifies before resending.

    A running deletion counts as stuck once its worker has shown no sign of life for
    STUCK_AFTER (force skips that check: only when the worker is known to be dead).
    """
    deletion.refresh_from_db()
    cutoff = timezone.now() - STUCK_AFTER
    stale = deletion.heartbeat_at is None or deletion.heartbeat_at < cutoff
    if deletion.state == State.RUNNING and not (stale or force):
        raise ValidationError(
            f"Deletion #{deletion.pk} is running (last sign of life {deletion.heartbeat_at})."
        )
    if deletion.state not in (State.RUNNING, State.FAILED, State.QUEUED):
        raise ValidationError(f"Deletion #{deletion.pk} is {deletion.get_state_display()}.")
    open_items = deletion.items.filter(outcome__in=[Outcome.SELECTED, Outcome.SENDING])
    if not open_items.exists():
        raise ValidationError(
            f"Deletion #{deletion.pk} has nothing left to send or verify; it keeps its result."
        )
    with transaction.atomic():
        PendingOrder.objects.filter(
            pk__in=open_items.values("order_id"),
            claimed_by__isnull=True,
            state=PendingOrder.State.PENDING,
        ).update(claimed_by=deletion)
        if deletion.state == State.QUEUED:  # a queued one only needs its task again
            # Its wait for a worker starts now (the page must not date it from before).
            BulkDeletion.objects.filter(pk=deletion.pk).update(heartbeat_at=timezone.now())
        else:
            # Re-checked in the write: a worker that showed life meanwhile keeps its run.
            where = {} if force or deletion.heartbeat_at is None else {"heartbeat_at__lt": cutoff}
            moved = deletion_move(
                deletion,
                sources=[State.RUNNING, State.FAILED],
                target=State.QUEUED,
                where=where if deletion.state == State.RUNNING else {},
                error_message="",
                finished_at=None,
                heartbeat_at=timezone.now(),  # the wait for a worker starts now
            )
            if not moved:
                raise ValidationError(f"Deletion #{deletion.pk} changed meanwhile; try again.")
    deletion.refresh_from_db()
