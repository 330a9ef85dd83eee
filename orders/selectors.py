"""Querysets scoped to what a user may see. Every view and the admin read through these."""

from django.db.models import QuerySet

from .models import BulkDeletion, FinerWorksAccount, FinerWorksCall, PendingOrder
from .permissions import accounts_for_user

# Columns the list view shows; the raw record stays out of list queries.
LIST_COLUMNS = (
    "id",
    "fulfillment_id",
    "order_po",
    "recipient_name",
    "recipient_company",
    "recipient_email",
    "recipient_country",
    "account__name",
    "source",
    "shipping_code",
    "item_count",
    "total_quantity",
    "test_mode",
    "state",
    "first_seen_at",
    "claimed_by_id",
)


def pending_orders_for_user(user) -> QuerySet[PendingOrder]:
    return PendingOrder.objects.filter(account__in=accounts_for_user(user))


def finerworks_calls_for_user(user) -> QuerySet[FinerWorksCall]:
    """Audit rows of the user's accounts; superusers also see calls tied to no account."""
    calls = FinerWorksCall.objects.select_related("account")
    if user.is_superuser:
        return calls
    return calls.filter(account__in=accounts_for_user(user))


def bulk_deletions_for_user(user) -> QuerySet[BulkDeletion]:
    """Deletions the user may look at: those touching only accounts the user may see."""
    deletions = BulkDeletion.objects.all()
    if user.is_superuser:
        return deletions
    visible = accounts_for_user(user)
    if not visible.exists():
        return deletions.none()
    hidden = FinerWorksAccount.objects.exclude(pk__in=visible.values("pk"))
    return deletions.exclude(items__account__in=hidden)
