"""Every door into a restore (a deletion's page, an order's page, the admin) starts it
here: the selection is re-scoped to deleted orders the user may act for, within the
window, not restored before, and frozen as a draft awaiting its "yes". Sends nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.deletion_states import deletion_move
from orders.models import (
    BulkDeletion,
    BulkRestore,
    BulkRestoreItem,
    FinerWorksAccount,
    PendingOrder,
)
from orders.permissions import user_can_restore_at_finerworks, user_may_act_for
from orders.restore_states import restore_items_move
from orders.selectors import pending_orders_for_user

from .audit import finerworks_call_refusal_record

State, Outcome = BulkRestore.State, BulkRestoreItem.Outcome


def restore_window_start():
    """Orders deleted before this may no longer be restored (FWADMIN_RESTORE_DAYS)."""
    return timezone.now() - timedelta(days=settings.FWADMIN_RESTORE_DAYS)


def restore_refusal_record(*, user, account, ids, reason: str, restore=None) -> None:
    """Audit a save fwadmin refused to send (nothing reached FinerWorks)."""
    finerworks_call_refusal_record(
        endpoint="save_pending_orders",
        purpose="restore",
        account=account,
        acting_user=user,
        reason=reason,
        ids=ids,
        bulk_restore=restore,
    )


def restorable_orders(orders: QuerySet[PendingOrder]) -> QuerySet[PendingOrder]:
    """Of `orders`, those a restore may take: deleted by fwadmin within the window, never
    restored nor being restored."""
    return orders.filter(
        state=PendingOrder.State.DELETED,
        state_changed_at__gte=restore_window_start(),
        restore_claimed_by__isnull=True,
    )


def bulk_restore_start(
    *,
    user,
    via: str,
    orders: QuerySet[PendingOrder] | None = None,
    ids: list[int] | None = None,
    deletion: BulkDeletion | None = None,
) -> BulkRestore:
    """Freeze the restorable orders among `ids`, `orders`, or those `deletion` deleted.

    Ids of accounts the user may not act for refuse the whole selection (PermissionDenied,
    audited); a selection with nothing restorable says why (ValidationError).
    """
    if not user_can_restore_at_finerworks(user):
        raise PermissionDenied("You may not restore orders at FinerWorks.")
    scoped = pending_orders_for_user(user)
    if ids is not None:
        foreign = PendingOrder.objects.filter(pk__in=ids).exclude(pk__in=scoped.values("pk"))
        for order in foreign.select_related("account"):
            reason = f"{user} is not granted the FinerWorks account {order.account}."
            restore_refusal_record(
                user=user, account=order.account, ids=[order.fulfillment_id], reason=reason
            )
        if foreign.exists():
            raise PermissionDenied("Some selected orders belong to accounts you may not act for.")
        orders = scoped.filter(pk__in=ids)
    elif deletion is not None:
        orders = scoped.filter(deleted_by_deletion=deletion)
    else:
        orders = scoped.filter(pk__in=orders.values("pk"))
    chosen = restorable_orders(orders).filter(fulfillment_id__gt=0)
    with transaction.atomic():
        restore = BulkRestore.objects.create(
            created_by=user, created_by_username=user.get_username(), via=via, deletion=deletion
        )
        items = [
            BulkRestoreItem(restore=restore, order_id=pk, account_id=account_id, fulfillment_id=fid)
            for pk, account_id, fid in chosen.values_list("pk", "account_id", "fulfillment_id")
        ]
        if not items:
            raise ValidationError(_nothing_restorable(orders))  # rolls the row back
        BulkRestoreItem.objects.bulk_create(items, batch_size=1000)
    return restore


def _nothing_restorable(orders: QuerySet[PendingOrder]) -> str:
    deleted = orders.filter(state=PendingOrder.State.DELETED)
    if not deleted.exists():
        return "None of these orders was deleted by fwadmin, so there is nothing to restore."
    if not deleted.filter(restore_claimed_by__isnull=True).exists():
        return "These orders were restored already (or are being restored): nothing to do."
    days = settings.FWADMIN_RESTORE_DAYS
    return (
        f"These orders were deleted more than {days} days ago (FWADMIN_RESTORE_DAYS): "
        "they can no longer be restored."
    )


def restore_for_user(user, pk) -> BulkRestore | None:
    """The user's own restore `pk` (drafts are never shown to anyone else)."""
    return BulkRestore.objects.filter(pk=pk, created_by=user).first() if user.pk else None


def bulk_restore_accounts(restore: BulkRestore) -> list[FinerWorksAccount]:
    ids = restore.items.values("account_id")
    return list(FinerWorksAccount.objects.filter(pk__in=ids).order_by("name"))


def bulk_restore_discard(*, restore: BulkRestore, user) -> bool:
    if restore.created_by_id != user.pk:
        raise PermissionDenied("Only the person who prepared this restore may discard it.")
    done = deletion_move(
        restore, sources=[State.AWAITING], target=State.CANCELLED, finished_at=timezone.now()
    )
    if done:
        BulkRestore.objects.filter(pk=restore.pk).update(error_message="Discarded.")
        restore_items_move(
            restore.items, sources=[Outcome.SELECTED], target=Outcome.NOT_SENT, note="Discarded."
        )
    return done


def restore_draft_expired(restore: BulkRestore) -> bool:
    limit = timedelta(minutes=settings.FWADMIN_DRAFT_EXPIRES_MINUTES)
    return restore.state == State.AWAITING and timezone.now() - restore.created_at > limit


def bulk_restore_refusals(restore: BulkRestore, user) -> tuple[str, str]:
    """Why this user may not confirm this restore now, audited: ("grant" or "key", the
    reason), or ("", "") when they may."""
    for account in bulk_restore_accounts(restore):
        kind, reason = "key", ""
        if not user_may_act_for(user, account):
            kind, reason = "grant", f"You may not act for {account}; nothing was sent."
        elif not account.is_owner and account.verification != account.Verification.VERIFIED:
            # A save for a key FinerWorks ignores would create the orders in the owner's
            # account: only a key proven honoured is used.
            reason = (
                f"FinerWorks has not been shown to honour the account key of {account}, so "
                "a restore could create the orders in the owner account; nothing was sent. "
                "An administrator can run Verify on the account first."
            )
        if reason:
            ids = list(
                restore.items.filter(account=account).values_list("fulfillment_id", flat=True)
            )
            restore_refusal_record(
                user=user, account=account, ids=ids, reason=reason, restore=restore
            )
            return kind, reason
    return "", ""
