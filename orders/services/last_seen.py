"""An order's "last seen" when it leaves `pending`.

While an order is pending, a complete listing stamps its account once (`listed_all_at`)
instead of rewriting every row it listed unchanged. When the order leaves `pending`, the
stamp that applied to it is copied into its row, since the account's moves on.
"""

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from orders.models import FinerWorksAccount


def last_seen_kept():
    """The `last_seen_at` value for an UPDATE that moves orders out of `pending`."""
    listed_all = FinerWorksAccount.objects.filter(pk=OuterRef("account_id")).values(
        "listed_all_at"
    )[:1]
    # Greatest is NULL on SQLite when either side is: the stamp may never have been set.
    return Greatest(F("last_seen_at"), Coalesce(Subquery(listed_all), F("last_seen_at")))
