"""Drafts: a frozen selection awaiting its "yes". It belongs to its creator, expires after
FWADMIN_DRAFT_EXPIRES_MINUTES, can be discarded, and says how much of it is still pending.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orders.deletion_states import deletion_move, items_move
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder

State, Outcome = BulkDeletion.State, BulkDeletionItem.Outcome


def draft_for_user(user, pk) -> BulkDeletion | None:
    """The user's own deletion `pk` (drafts are never shown to anyone else)."""
    return BulkDeletion.objects.filter(pk=pk, created_by=user).first() if user.pk else None


def bulk_deletion_draft_expire(deletion: BulkDeletion) -> bool:
    """Cancel a draft left unconfirmed past FWADMIN_DRAFT_EXPIRES_MINUTES; True if it has
    expired (now or before). An expired draft can never be confirmed."""
    limit = timedelta(minutes=settings.FWADMIN_DRAFT_EXPIRES_MINUTES)
    if deletion.state != State.AWAITING or timezone.now() - deletion.created_at < limit:
        return deletion.state == State.CANCELLED and deletion.error_message.startswith("Expired")
    note = f"Expired: not confirmed within {settings.FWADMIN_DRAFT_EXPIRES_MINUTES} minutes."
    if deletion_move(
        deletion, sources=[State.AWAITING], target=State.CANCELLED, finished_at=timezone.now()
    ):
        BulkDeletion.objects.filter(pk=deletion.pk).update(error_message=note)
        items_move(deletion.items, sources=[Outcome.SELECTED], target=Outcome.NOT_SENT, note=note)
    deletion.refresh_from_db()  # a confirm may have won the race: then it has not expired
    return deletion.state == State.CANCELLED and deletion.error_message.startswith("Expired")


def bulk_deletion_discard(*, deletion: BulkDeletion, user) -> bool:
    """The "No, take me back" button: the draft is cancelled and can never be confirmed.
    False when it was no longer a draft (confirmed meanwhile in another tab, say)."""
    if deletion.created_by_id != user.pk:
        raise PermissionDenied("Only the person who prepared this deletion may discard it.")
    if not deletion_move(
        deletion, sources=[State.AWAITING], target=State.CANCELLED, finished_at=timezone.now()
    ):
        return False
    BulkDeletion.objects.filter(pk=deletion.pk).update(error_message="Discarded.")
    items_move(
        deletion.items, sources=[Outcome.SELECTED], target=Outcome.NOT_SENT, note="Discarded."
    )
    return True


def sendable_items(deletion: BulkDeletion):
    """A draft's frozen orders that could still be sent (pending, unclaimed)."""
    return deletion.items.filter(
        order__state=PendingOrder.State.PENDING, order__claimed_by__isnull=True
    )


def bulk_deletion_still_pending(deletion: BulkDeletion) -> int:
    return sendable_items(deletion).count()


def draft_check(deletion: BulkDeletion) -> None:
    """Raise ValidationError when this draft can no longer be confirmed (expired)."""
    if bulk_deletion_draft_expire(deletion):
        raise ValidationError(
            "This deletion was not confirmed in time and has expired; nothing was sent. "
            "Select the orders again."
        )
