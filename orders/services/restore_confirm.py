"""Confirming a restore: the last checks, then its orders are claimed so that no other
restore re-creates them (an order is restored at most once)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from orders.deletion_states import deletion_move
from orders.models import BulkRestore, BulkRestoreItem, PendingOrder
from orders.permissions import user_can_restore_at_finerworks
from orders.restore_states import restore_items_move

from .restore_start import (
    bulk_restore_refusals,
    restore_draft_expired,
    restore_window_start,
)

State, Outcome = BulkRestore.State, BulkRestoreItem.Outcome
SELECTED = [Outcome.SELECTED]


def bulk_restore_confirm(*, restore: BulkRestore, user) -> bool:
    """Queue the restore once, its orders claimed; False if it was confirmed already (a
    double submit, a second tab). Sends nothing: a worker runs it (bulk_restore_run)."""
    if restore.created_by_id != user.pk or not user_can_restore_at_finerworks(user):
        raise PermissionDenied("Only the person who prepared this restore may confirm it.")
    if restore_draft_expired(restore):
        note = f"Expired: not confirmed within {settings.FWADMIN_DRAFT_EXPIRES_MINUTES} minutes."
        # Only if this call wins: another tab may have confirmed it a moment ago.
        if deletion_move(
            restore, sources=[State.AWAITING], target=State.CANCELLED, finished_at=timezone.now()
        ):
            BulkRestore.objects.filter(pk=restore.pk).update(error_message=note)
            restore_items_move(restore.items, sources=SELECTED, target=Outcome.NOT_SENT, note=note)
            raise ValidationError(f"{note} Nothing was sent; start the restore again.")
        return False
    if restore.state != State.AWAITING:
        return False
    kind, reason = bulk_restore_refusals(restore, user)
    if kind == "grant":
        raise PermissionDenied(reason)
    if reason:
        raise ValidationError(reason)
    with transaction.atomic():
        if not deletion_move(
            restore, sources=[State.AWAITING], target=State.QUEUED, confirmed_at=timezone.now()
        ):
            return False
        _claim(restore)
    restore.refresh_from_db()
    return True


def _claim(restore: BulkRestore) -> None:
    days = settings.FWADMIN_RESTORE_DAYS
    restore_items_move(
        restore.items.filter(order__state_changed_at__lt=restore_window_start()),
        sources=SELECTED,
        target=Outcome.NOT_SENT,
        note=f"Deleted more than {days} days ago (FWADMIN_RESTORE_DAYS): not restored.",
    )
    # A conditional update is the claim: of two restores of the same order only one wins.
    PendingOrder.objects.filter(
        pk__in=restore.items.filter(outcome=Outcome.SELECTED).values("order_id"),
        state=PendingOrder.State.DELETED,
        restore_claimed_by__isnull=True,
    ).update(restore_claimed_by=restore)
    restore_items_move(
        restore.items.exclude(order__restore_claimed_by=restore),
        sources=SELECTED,
        target=Outcome.CLAIMED,
        note="Already restored, or being restored by another restore: not sent again.",
    )
