"""What the list's filters and junk presets offer, per account: counts kept on the account
(FinerWorksAccount.facets) so that a list page never counts a million orders for them."""

from django.db.models import QuerySet

from orders.junk_presets import duplicates_flag, facet_counts, junk_counts
from orders.models import FinerWorksAccount


def account_facets_refresh(account_ids) -> None:
    """Recount the accounts' pending orders per source, shipping code and junk preset
    (flagging the duplicates first)."""
    for account in FinerWorksAccount.objects.filter(pk__in=list(account_ids)):
        duplicates_flag(account)
        facets = {**facet_counts(account), "junk": junk_counts(account)}
        FinerWorksAccount.objects.filter(pk=account.pk).update(facets=facets)


def facets_for(accounts: list[FinerWorksAccount] | QuerySet) -> dict[str, dict[str, int]]:
    """The accounts' facets added up: {"source": {...}, "shipping_code": {...}, "junk": {...}}."""
    total: dict[str, dict[str, int]] = {"source": {}, "shipping_code": {}, "junk": {}}
    accounts = list(accounts)
    if missing := [a.pk for a in accounts if not a.facets]:
        # Mirrored before fwadmin kept facets (or never synced): counted once, now.
        account_facets_refresh(missing)
        fresh = dict(FinerWorksAccount.objects.filter(pk__in=missing).values_list("pk", "facets"))
        for account in accounts:
            account.facets = fresh.get(account.pk, account.facets)
    for account in accounts:
        for name, counts in (account.facets or {}).items():
            bucket = total.setdefault(name, {})
            for value, n in counts.items():
                bucket[value] = bucket.get(value, 0) + n
    return total
