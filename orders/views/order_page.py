"""One page of the order list: keyset (cursor) pagination and a capped count, so a deep
page costs what the first one does."""

import base64
import json
from datetime import UTC, datetime
from types import SimpleNamespace

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import urlencode

from orders import selectors
from orders.parsing import whole_number

CURSOR_PARAMS = ("after", "before", "last")


def encode_cursor(values: list) -> str:
    data = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode_cursor(text: str, ordering: list[str]) -> list | None:
    """The ordering values in a cursor, or None when it is not one of ours for this sort."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        names = [term.lstrip("-") for term in ordering]
        if not isinstance(raw, list) or len(raw) != len(names):
            return None
        values = [selectors.order_field(n).to_python(v) for n, v in zip(names, raw, strict=True)]
    # e.g. Infinity, 1e999, a thousand nested lists
    except (ValueError, TypeError, OverflowError, RecursionError, ValidationError):
        return None
    try:
        return [_storable(v) for v in values]
    except (ValueError, OverflowError):
        return None


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _storable(value):
    """A cursor value as the database can compare it, or ValueError: never a number beyond
    64 bits, a NUL in text (PostgreSQL refuses both) or a time outside UTC's range."""
    if value is None or (isinstance(value, int) and not -(2**63) <= value < 2**63):
        raise ValueError(value)
    if isinstance(value, str) and ("\x00" in value or not _encodable(value)):
        raise ValueError("NUL or a lone surrogate")
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)  # OverflowError past year 9999 or before year 1
    return value


class OrderPage:
    """One page of the order list, by page number (an offset, fine near the start) or by
    cursor: `after`/`before` the row whose sort values it holds, or `last`. The
    Next/Previous/Last links are cursors, so a deep page costs what the first one does.
    The count stops at COUNT_CAP ("10,000+"); the page number then may be unknown."""

    def __init__(self, orders, *, ordering, size, params, account_names):
        self.ordering = ordering
        self.size = size
        self.base = query_without(params, "page", *CURSOR_PARAMS)
        count, capped = selectors.count_capped(orders)
        self.paginator = SimpleNamespace(
            count=count,
            capped=capped,
            num_pages=None if capped else max(1, -(-count // size)),
        )
        self.last_mode = False
        rows = self._rows(orders.order_by(*ordering).values(*selectors.LIST_COLUMNS), params)
        # What the template would otherwise compute per row (a url tag, two date filters
        # and naturaltime): done here once per row, and once per distinct time.
        detail_url = reverse("orders:detail", args=[0]).removesuffix("0/")
        times = {}
        for row in rows:
            row["account__name"] = account_names.get(row["account_id"], "")
            row["url"] = f"{detail_url}{row['id']}/"
            seen = row["first_seen_at"]
            if seen not in times:
                times[seen] = time_labels(seen)
            row["first_seen"] = times[seen]
        self.object_list = rows

    def _rows(self, orders, params) -> list[dict]:
        size = self.size
        number = page_number(params.get("page"))
        after = decode_cursor(params.get("after") or "", self.ordering)
        before = decode_cursor(params.get("before") or "", self.ordering)
        if after is not None:
            rows = list(selectors.beyond(orders, self.ordering, after, after=True)[: size + 1])
            self.number, self.has_previous, self.has_next = number, True, len(rows) > size
            return rows[:size]
        if before is not None:
            backwards = selectors.beyond(orders, self.ordering, before, after=False)
            rows = list(backwards.reverse()[: size + 1])
            if not rows:  # every earlier row has gone since the link was made: page 1
                rows = list(orders[: size + 1])
                self.number, self.has_previous, self.has_next = 1, False, len(rows) > size
                return rows[:size]
            self.has_previous, self.has_next = len(rows) > size, True
            self.number = number if self.has_previous else 1
            return rows[:size][::-1]
        if params.get("last"):
            return self._last(orders)
        number = number or 1
        rows = list(orders[(number - 1) * size : number * size + 1])
        if not rows and number > 1:  # past the end (a stale or typed URL): the last page
            return self._last(orders)
        self.number, self.has_previous, self.has_next = number, number > 1, len(rows) > size
        return rows[:size]

    def _last(self, orders) -> list[dict]:
        num_pages = self.paginator.num_pages
        # An exact count keeps the last page aligned with the numbered pages before it.
        size = self.paginator.count - (num_pages - 1) * self.size if num_pages else self.size
        rows = list(orders.reverse()[:size])[::-1]
        self.last_mode = True
        self.number = num_pages
        self.has_previous = self.paginator.capped or (num_pages or 1) > 1
        self.has_next = False
        return rows

    def _cursor(self, row) -> str:
        return encode_cursor([row[term.lstrip("-")] for term in self.ordering])

    def _query(self, **params) -> str:
        extra = urlencode({k: v for k, v in params.items() if v is not None})
        return "&".join(part for part in (self.base, extra) if part)

    @property
    def first_query(self) -> str:
        return self.base

    @property
    def previous_query(self) -> str:
        if self.number == 2 or not self.object_list:
            return self.first_query
        previous = self.number - 1 if self.number else None
        return self._query(before=self._cursor(self.object_list[0]), page=previous)

    @property
    def next_query(self) -> str:
        following = self.number + 1 if self.number else None
        return self._query(after=self._cursor(self.object_list[-1]), page=following)

    @property
    def last_query(self) -> str:
        if self.paginator.num_pages:
            return self._query(page=self.paginator.num_pages)
        return self._query(last=1)


def page_number(value) -> int | None:
    number = whole_number(value, max_digits=9)
    return number or None  # page 0 is no page


def state_word(state: str) -> str:
    return "" if state == "all" else f"{state} "


def time_labels(value) -> dict:
    """A moment as the list shows it: machine-readable, exact on hover, relative in text."""
    local = timezone.localtime(value)
    return {
        "iso": dateformat.format(local, "c"),
        "exact": dateformat.format(local, "Y-m-d H:i:s T"),
        "ago": naturaltime(value),
    }


def sort_headers(columns, sort: str, filter_query: str) -> list[dict]:
    """The list's column headers: each links to sorting by it, the current one reversed."""
    prefix = f"?{filter_query}&sort=" if filter_query else "?sort="
    headers = []
    for key, label in columns:
        direction = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        target = f"-{key}" if direction == "ascending" else key
        headers.append(
            {
                "label": label,
                "href": prefix + target,
                "aria_sort": direction,
                "arrow": {"ascending": "▲", "descending": "▼"}.get(direction, ""),
            }
        )
    return headers


def query_without(querydict, *keys) -> str:
    query = querydict.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()
