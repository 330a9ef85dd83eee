"""The junk finder: presets that find orders staff are likely to delete, the reason shown
on each flagged row, and the "extra copies" of a duplicate group (all but the one kept).

Each preset is a queryset over pending orders, served by an index (see PendingOrder.Meta);
their counts per account are kept on the account by the sync (junk_facets).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from orders.db import Unindexed
from orders.models import PendingOrder

PENDING = PendingOrder.State.PENDING


def _stale_days() -> int:
    return settings.FWADMIN_STALE_DAYS


PRESETS = {
    "duplicate_po": "Duplicate PO",
    "same_recipient": "Same recipient and items",
    "test": "Test orders",
    "incomplete": "Incomplete",
    "stale": "Not changed for {days} days",
}
# The presets whose orders come in groups of copies: "Select the extra copies"; each
# group's field, and the flag that marks its pending members (kept by duplicates_flag).
DUPLICATE_FIELDS = {"duplicate_po": "order_po", "same_recipient": "fingerprint"}
DUPLICATE_FLAGS = {"duplicate_po": "duplicate_po", "same_recipient": "duplicate_recipient"}


def preset_label(preset: str) -> str:
    return PRESETS[preset].format(days=_stale_days())


def _copies(field: str) -> QuerySet[PendingOrder]:
    """Other pending orders of the same account sharing this order's `field`."""
    return PendingOrder.objects.filter(
        account=OuterRef("account"), state=PENDING, **{field: OuterRef(field)}
    ).exclude(pk=OuterRef("pk"))


def junk_filter(
    orders: QuerySet[PendingOrder], preset: str, *, state_field: str = "state"
) -> QuerySet[PendingOrder]:
    """The pending orders of `orders` that the preset flags. `state_field`: the list's
    unindexed alias of the state while searching, so the search's index drives the query."""
    orders = orders.filter(**{state_field: PENDING})
    if flag := DUPLICATE_FLAGS.get(preset):
        return orders.filter(**{flag: True})
    if preset == "test":
        return orders.filter(test_mode=True)
    if preset == "incomplete":
        return orders.exclude(incomplete="")
    if preset == "stale":
        return orders.filter(first_seen_at__lt=timezone.now() - timedelta(days=_stale_days()))
    raise ValueError(f"unknown junk preset {preset!r}")


def extra_copies(orders: QuerySet[PendingOrder], preset: str, *, keep: str = "oldest"):
    """Every order of each duplicate group but the one kept: the oldest (first seen, then
    lowest id) or the newest. Only orders of `orders`; the group is the whole account."""
    field = DUPLICATE_FIELDS[preset]
    if keep == "newest":
        before = Q(first_seen_at__gt=OuterRef("first_seen_at")) | Q(
            first_seen_at=OuterRef("first_seen_at"), fulfillment_id__gt=OuterRef("fulfillment_id")
        )
    else:
        before = Q(first_seen_at__lt=OuterRef("first_seen_at")) | Q(
            first_seen_at=OuterRef("first_seen_at"), fulfillment_id__lt=OuterRef("fulfillment_id")
        )
    # The copy kept must stay: not one another deletion already holds.
    kept_elsewhere = _copies(field).filter(before, claimed_by__isnull=True)
    return orders.filter(state=PENDING).exclude(**{field: ""}).filter(Exists(kept_elsewhere))


def duplicates_flag(account) -> None:
    """Mark the account's pending orders that share a PO / a fingerprint with another
    pending one (and unmark the rest): the duplicate presets then read one flag."""
    pending = PendingOrder.objects.filter(account=account, state=PENDING)
    for preset, field in DUPLICATE_FIELDS.items():
        flag = DUPLICATE_FLAGS[preset]
        groups = (
            pending.exclude(**{field: ""})
            .values(field)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values(field)
            .order_by()
        )
        pending.filter(**{flag: True}).exclude(**{f"{field}__in": groups}).update(**{flag: None})
        pending.filter(**{f"{field}__in": groups}).exclude(**{flag: True}).update(**{flag: True})


def junk_counts(account) -> dict[str, int]:
    """How many pending orders of the account each preset flags (kept by the sync)."""
    pending = PendingOrder.objects.filter(account=account, state=PENDING)
    counts = {
        preset: pending.filter(**{flag: True}).count() for preset, flag in DUPLICATE_FLAGS.items()
    }
    counts["test"] = pending.filter(test_mode=True).count()
    counts["incomplete"] = pending.exclude(incomplete="").count()
    # As of this count (the sync's): the list says the counts are the last sync's.
    counts["stale"] = junk_filter(pending, "stale").count()
    return counts


def facet_counts(account) -> dict[str, dict[str, int]]:
    """The account's pending orders per source and per shipping code (the filters' choices)."""
    pending = PendingOrder.objects.filter(account=account, state=PENDING).order_by()
    return {
        field: {
            row[field]: row["n"]
            for row in pending.values(field).annotate(n=Count("pk")).exclude(**{field: ""})
        }
        for field in ("source", "shipping_code")
    }


def row_reasons(rows: list[dict]) -> None:
    """Set `junk` on each listed row: why it may be junk, in one line ("" if nothing)."""
    copies = _group_sizes(rows, "order_po"), _group_sizes(rows, "fingerprint")
    cutoff = timezone.now() - timedelta(days=_stale_days())
    for row in rows:
        reasons = []
        if row["state"] == PENDING:
            if (n := copies[0].get((row["account_id"], row["order_po"]), 0)) > 1:
                reasons.append(f"PO pending {n}×")
            if (n := copies[1].get((row["account_id"], row["fingerprint"]), 0)) > 1:
                reasons.append(f"same recipient and items {n}×")
            if row["incomplete"]:
                reasons.append(f"incomplete: {row['incomplete']}")
            if row["test_mode"]:
                reasons.append("test order")
            if row["first_seen_at"] < cutoff:
                reasons.append(f"unchanged for {_stale_days()}+ days")
        row["junk"] = "; ".join(reasons)


def _group_sizes(rows: list[dict], field: str) -> dict[tuple[int, str], int]:
    """Pending copies per (account, value) for the values on this page: one query."""
    values = {row[field] for row in rows if row[field] and row["state"] == PENDING}
    if not values:
        return {}
    # The state unindexed: the (PO / fingerprint, account, state) index must drive this.
    counts = (
        PendingOrder.objects.alias(_state=Unindexed("state"))
        .filter(_state=PENDING, **{f"{field}__in": values})
        .values("account_id", field)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["account_id"], row[field]): row["n"] for row in counts}
