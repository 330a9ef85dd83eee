"""Querysets scoped to what a user may see. Every view and the admin read through these."""

from django.db import models
from django.db.models import F, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan

from .db import RowValue, Unindexed
from .models import BulkDeletion, BulkRestore, FinerWorksAccount, FinerWorksCall, PendingOrder
from .permissions import accounts_for_user, user_can_view_orders

# Columns the list view shows; the raw record stays out of list queries. The account's
# name is looked up in the user's accounts, already loaded, rather than joined.
LIST_COLUMNS = (
    "id",
    "fulfillment_id",
    "order_po",
    "recipient_name",
    "recipient_company",
    "recipient_email",
    "recipient_country",
    "account_id",
    "source",
    "shipping_code",
    "item_count",
    "total_quantity",
    "test_mode",
    "state",
    "first_seen_at",
    "claimed_by_id",
    # The junk finder's reasons (shown when a preset is active).
    "fingerprint",
    "incomplete",
)
# Counting stops here: past it the list says "10,000+" and pages by cursor, so no page
# costs more on a million orders than on a hundred thousand.
COUNT_CAP = 10_000


def pending_orders_for_user(user, *, accounts=None) -> QuerySet[PendingOrder]:
    """The user's orders. `accounts`: the user's accounts when the caller already loaded
    them (accounts_for_user), which saves the subquery."""
    if accounts is None:
        return PendingOrder.objects.filter(account__in=accounts_for_user(user))
    if user.is_superuser and user_can_view_orders(user):
        return PendingOrder.objects.all()  # every order belongs to one of all the accounts
    return PendingOrder.objects.alias(_scope_account=Unindexed("account_id")).filter(
        _scope_account__in=[account.pk for account in accounts]
    )


def count_capped(orders: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """(number of rows, whether there are more than cap); reads at most cap + 1 rows."""
    cap = COUNT_CAP if cap is None else cap
    n = orders.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def order_field(name: str) -> models.Field:
    """The model field behind an ordering name such as "account__name"."""
    model, field = PendingOrder, None
    for part in name.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model
    return field


def beyond(orders: QuerySet, ordering: list[str], values: list, *, after: bool) -> QuerySet:
    """Rows after (or before) the row whose ordering values are `values`, in `ordering`'s
    order. Every ordering term runs the same direction (as the list's sorts do)."""
    descending = ordering[0].startswith("-")
    names = [term.lstrip("-") for term in ordering]
    assert all(term.startswith("-") == descending for term in ordering)
    columns = RowValue(*[F(name) for name in names])
    bound = RowValue(
        *[Value(v, output_field=order_field(n)) for n, v in zip(names, values, strict=True)]
    )
    lookup = LessThan if descending == after else GreaterThan
    return orders.filter(lookup(columns, bound))


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


def bulk_restores_for_user(user) -> QuerySet[BulkRestore]:
    """Restores the user may look at: confirmed ones touching only accounts the user may
    see (a draft only its creator sees, on its confirmation page)."""
    restores = BulkRestore.objects.exclude(state=BulkRestore.State.AWAITING)
    if user.is_superuser:
        return restores
    visible = accounts_for_user(user)
    if not visible.exists():
        return restores.none()
    hidden = FinerWorksAccount.objects.exclude(pk__in=visible.values("pk"))
    return restores.exclude(items__account__in=hidden)
