"""The order list's search: Django's icontains on PendingOrder.search_text (the PO, the
recipient's name, company and e-mail, every item's SKU and title, separated by a
character no term matches across), served by an index on both databases.

PostgreSQL: the plain icontains, `UPPER("search_text"::text) LIKE UPPER('%term%')`, which
the GIN trigram index of migration 0016 serves as it is written.

SQLite: LIKE can use no index, so the FTS5 trigram table of migration 0016 picks the
candidates (`id IN (SELECT rowid ... MATCH '"term"')`, a case-insensitive superset) and
the same icontains on each candidate keeps the result exactly Django's (SQLite's LIKE
folds ASCII only). Trigrams need three characters: a shorter term is the plain scan.
"""

import unicodedata

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

FTS_TABLE = "orders_pendingorder_search"  # migration 0016
TRIGRAM = 3
# Control characters (the field separator among them) and lone surrogates: never typed,
# never matched, and not storable as a query parameter everywhere.
DROPPED_CATEGORIES = ("Cc", "Cs")


def clean_term(term: str) -> str:
    """The term without control characters (the separator \\x1f, NUL) or lone surrogates."""
    return "".join(ch for ch in term if unicodedata.category(ch) not in DROPPED_CATEGORIES)


def fts_phrase(term: str) -> str:
    """The term as one FTS5 string: every character literal (LIKE's %, _ and \\ too)."""
    return '"' + term.replace('"', '""') + '"'


def search_match(orders: QuerySet, term: str) -> Q:
    """The condition "search_text contains term, in any case" for this queryset's database,
    in the form its index serves."""
    term = clean_term(term)
    match = Q(search_text__icontains=term)
    if connections[orders.db].vendor == "sqlite" and len(term) >= TRIGRAM:
        candidates = RawSQL(  # noqa: S611 (the term is a bound parameter)
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608 (a constant)
            [fts_phrase(term)],
        )
        match = Q(pk__in=candidates) & match
    return match


def search_orders(orders: QuerySet, term: str, *, or_fulfillment_id: int | None = None) -> QuerySet:
    """The orders whose search text contains the term, exactly as
    `orders.filter(search_text__icontains=term)` (the term without control characters),
    plus the order with this FinerWorks id when one is given."""
    match = search_match(orders, term)
    if or_fulfillment_id is not None:
        match |= Q(fulfillment_id=or_fulfillment_id)
    return orders.filter(match)
