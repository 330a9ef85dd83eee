"""Every door into a deletion (dashboard, admin) starts it here: the selection is re-scoped,
forged or ungranted ids are refused and audited, and a draft is frozen. Sends nothing.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.http import url_has_allowed_host_and_scheme

from orders.models import BulkDeletion, PendingOrder
from orders.permissions import user_can_delete_at_finerworks
from orders.selectors import pending_orders_for_user

from .deletion import bulk_deletion_create, delete_refusal_record


def bulk_deletion_start(
    *,
    user,
    via: str,
    ids: list[int] | None = None,
    orders: QuerySet[PendingOrder] | None = None,
    by_filter: bool = False,
    scope_description: str = "",
    return_url: str = "",
) -> BulkDeletion:
    """Freeze ticked `ids` (or the `orders` of a filter) into a draft awaiting confirmation.

    Ids outside the user's accounts (forged, or of an ungranted account) refuse the whole
    selection: PermissionDenied, and one refusal row per account in the audit, because
    FinerWorks would act on the owner's account for a key the user may not use.
    """
    if not user_can_delete_at_finerworks(user):
        raise PermissionDenied("You may not delete orders at FinerWorks.")
    scoped = pending_orders_for_user(user)
    if ids is not None:
        foreign = PendingOrder.objects.filter(pk__in=ids).exclude(pk__in=scoped.values("pk"))
        if foreign.exists():
            _refuse_foreign(user, foreign)
            raise PermissionDenied("Some selected orders belong to accounts you may not act for.")
        orders = scoped.filter(pk__in=ids)
    deletion = bulk_deletion_create(
        user=user,
        orders=orders,
        via=via,
        scope_description=scope_description,
        by_filter=by_filter,
    )
    if return_url and url_has_allowed_host_and_scheme(return_url, allowed_hosts=None):
        BulkDeletion.objects.filter(pk=deletion.pk).update(return_url=return_url[:2000])
        deletion.return_url = return_url[:2000]
    return deletion


def _refuse_foreign(user, foreign) -> None:
    by_account = {}
    for order in foreign.select_related("account"):
        by_account.setdefault(order.account, []).append(order.fulfillment_id)
    for account, fids in by_account.items():
        delete_refusal_record(user=user, account=account, ids=fids)
