"""Every "may this user ..." question of fwadmin, answered in one place.

Views, the admin, tasks and services all ask here, so a forged request cannot reach an
order or an account that the user's screen would not have shown.
"""

from django.db.models import Q, QuerySet

from .models import FinerWorksAccount

VIEW_ORDERS = "orders.view_pendingorder"
DELETE_AT_FINERWORKS = "orders.delete_at_finerworks"
VIEW_AUDIT = "orders.view_finerworkscall"
REQUEUE_DELETION = "orders.requeue_deletion"
RESTORE_AT_FINERWORKS = "orders.restore_at_finerworks"


def user_can_view_orders(user) -> bool:
    return user is not None and user.is_active and user.has_perm(VIEW_ORDERS)


def user_can_delete_at_finerworks(user) -> bool:
    return user_can_view_orders(user) and user.has_perm(DELETE_AT_FINERWORKS)


def user_can_view_audit(user) -> bool:
    return (
        user is not None
        and user.is_active
        and (user.has_perm(VIEW_AUDIT) or user.has_perm(VIEW_ORDERS))
    )


def accounts_for_user(user) -> QuerySet[FinerWorksAccount]:
    """Accounts whose orders the user may see and act for.

    The owner account needs only the view permission; a delegated account (one with an
    account_key) also needs a grant to the user or one of their groups.
    """
    accounts = FinerWorksAccount.objects.all()
    if user is None or not user.is_authenticated or not user_can_view_orders(user):
        return accounts.none()
    if user.is_superuser:
        return accounts
    granted = Q(grants__user=user) | Q(grants__group__user=user)
    ids = accounts.filter(Q(account_key__isnull=True) | granted).values("pk")
    return accounts.filter(pk__in=ids)


def user_may_act_for(user, account: FinerWorksAccount) -> bool:
    return accounts_for_user(user).filter(pk=account.pk).exists()


def user_can_requeue_deletion(user) -> bool:
    return user_can_view_orders(user) and user.has_perm(REQUEUE_DELETION)


def user_can_restore_at_finerworks(user) -> bool:
    return user_can_view_orders(user) and user.has_perm(RESTORE_AT_FINERWORKS)
