"""Reading FinerWorks answers defensively: size and nesting first, then the list answer order
by order, each record checked on its own.

Only a complete answer proves absence (docs/finerworks-api.md, "What fwadmin relies on"): a
list answer whose `orders` is missing, null or not a list is unreadable, never "nothing
listed", and a record fwadmin cannot use is skipped and named, never guessed at.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any

import ijson
import orjson

from orders.finerworks.nesting import MAX_DEPTH, nesting_within_chunks
from orders.finerworks.spool import Body, ListedOrder, ListedOrders
from orders.parsing import whole_number

READ_WHOLE_UP_TO = 256 * 2**20  # a list answer the streaming reader cannot read
MAX_ID = 2**63 - 1  # fulfillment ids are stored as a 64-bit integer
MAX_QUANTITY = 2**31 - 1  # quantities are stored as a 32-bit integer

_JSON_OBJECT = re.compile(rb"\s*\{")
# An escaped NUL: PostgreSQL stores no NUL in text or jsonb.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def canonical_json(value: Any) -> bytes:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8. Equal records give equal
    bytes, so the sync can hash and store a listed order in this form."""
    try:
        # A copy: orjson's own bytes keep its whole 4 KB+ write buffer allocated, four
        # times the text of a typical order, which 100k listed orders would hold at once.
        return memoryview(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).tobytes()
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode()


def usable_id(value: Any) -> int | None:
    """A fulfillment id fwadmin can mirror and send: a JSON integer from 1 to 2**63-1."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


@dataclass(frozen=True)
class ListAnswer:
    """A successful list_pending_orders body, read: the body without its orders, the
    orders with a usable id (spooled: see spool.py), the records without one, and why the
    whole answer is unreadable ("" when it is not)."""

    body: Any
    orders: ListedOrders = field(default_factory=ListedOrders)
    unreadable: tuple[str, ...] = ()
    error: str = ""


_TEXT_TYPES = frozenset({str, int, float, type(None)})  # exact types: a bool is not text


def _all_text(record: dict, names: tuple[str, ...]) -> bool:
    get = record.get  # a plain loop: this runs for every field of every listed order
    for name in names:
        if type(get(name)) not in _TEXT_TYPES:
            return False
    return True


def _quantity(value: Any) -> int | None:
    if type(value) is int and 0 <= value <= MAX_QUANTITY:  # the usual case, first
        return value
    if value is None:
        return 0
    if isinstance(value, str) and value.isascii():  # " 3" is a quantity too
        value = whole_number(value.strip(), max_digits=30)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_QUANTITY:
        return value
    return None


def _items_problem(items: Any) -> str:
    if not isinstance(items, list):
        return "order_items is not a list"
    total = 0
    for item in items:
        if not isinstance(item, dict):
            return "an order item is not an object"
        if not _all_text(item, ("product_sku", "product_title")):
            return "an order item's SKU or title is not text"
        quantity = _quantity(item.get("product_qty"))
        if quantity is None:
            return f"product_qty {str(item.get('product_qty'))[:30]!r} is not a usable quantity"
        total += quantity
    return "the total quantity is out of range" if total > MAX_QUANTITY else ""


def record_problem(record: dict, record_json: bytes) -> str:
    """Why fwadmin cannot mirror this record as it is ("" when it can)."""
    if not _all_text(record, ("order_po", "source", "shipping_code")):
        return "its PO, source or shipping code is not text"
    recipient = record.get("recipient")
    if recipient is not None:
        if not isinstance(recipient, dict):
            return "recipient is not an object"
        fields = ("first_name", "last_name", "company_name", "country_code", "email")
        if not _all_text(recipient, fields):
            return "a recipient field is not text"
    if record.get("order_items") is not None and (problem := _items_problem(record["order_items"])):
        return problem
    if b"\\u0000" in record_json and _ESCAPED_NUL.search(record_json):
        return "it contains a NUL character"
    return ""


class _Reader:
    """Collects one answer's records in order, noting the unusable ones and repeats."""

    def __init__(self) -> None:
        self.orders = ListedOrders()
        self.unreadable: list[str] = []
        self.seen = self.orders.ids

    def add(self, record: Any) -> None:
        if not isinstance(record, dict):
            self.unreadable.append(f"a {type(record).__name__} where an order belongs")
            return
        fid = usable_id(record.get("fulfillment_id"))
        if fid is None:
            shown = json.dumps(record.get("fulfillment_id"))[:40]
            self.unreadable.append(f"an order whose fulfillment_id is {shown}")
            return
        try:
            record_json = canonical_json(record)
        except UnicodeEncodeError:  # a lone surrogate escape: no database stores that text
            record_json = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
            self.orders.append(ListedOrder(fid, record_json, "it holds invalid Unicode text"))
            self.seen.add(fid)
            return
        problem = "listed twice in one answer" if fid in self.seen else ""
        self.seen.add(fid)
        problem = problem or record_problem(record, record_json)
        self.orders.append(ListedOrder(fid, record_json, problem))

    def answer(self, body: Any) -> ListAnswer:
        return ListAnswer(body, self.orders, tuple(self.unreadable))


TOO_DEEP = (
    f"the body is not well-formed JSON, nests deeper than {MAX_DEPTH} levels, or cannot be read"
)
NO_ORDERS = "its `orders` is missing, null or not a list"


def read_list_body(content: bytes | Body, encoding: str | None) -> ListAnswer:
    """A 2xx list_pending_orders body, read (the caller checks the status).

    Read order by order (ijson) from the spooled body instead of parsed whole: 100k orders
    are 110 MB of JSON but 300 MB of Python objects, and the orders read go to a spool
    too. Whatever that way cannot read the same (an integer beyond 64 bits, a charset
    other than UTF-8, no status object to take the message from) is read whole, like
    every other answer.
    """
    body_file = content if isinstance(content, Body) else _body_of(content)
    if not nesting_within_chunks(body_file.chunks()):
        return ListAnswer(None, error=TOO_DEEP)
    if _is_utf8(encoding) and _JSON_OBJECT.match(body_file.head(64)):
        try:
            return _read_streaming(body_file)
        except (ijson.JSONError, ValueError, TypeError, RecursionError):
            pass
    if body_file.size > READ_WHOLE_UP_TO:  # parsed whole it would take gigabytes
        return ListAnswer(None)
    try:
        body = json.loads(decode(body_file.read_all(), encoding))
    except (ValueError, TypeError, RecursionError):
        return ListAnswer(None)
    if not isinstance(body, dict):
        return ListAnswer(body)
    if not isinstance(body.get("orders"), list):
        return ListAnswer(body, error=NO_ORDERS)
    reader = _Reader()
    for record in body.pop("orders"):
        reader.add(record)
    return reader.answer(body)


def _body_of(content: bytes) -> Body:
    body = Body()
    body.write(content)
    return body


def _read_streaming(body: Body) -> ListAnswer:
    # Stops as soon as the status is read (at once when it comes first).
    status = next(ijson.items(body.reader(), "status", use_float=True), None)
    if not isinstance(status, dict):
        raise ValueError("no status object: read whole")
    if _orders_event(body) != "start_array":
        return ListAnswer({"status": status}, error=NO_ORDERS)
    reader = _Reader()
    # Reads to the end: a truncated or malformed body raises here.
    for record in ijson.items(body.reader(), "orders.item", use_float=True):
        reader.add(record)
    return reader.answer({"status": status})


def _orders_event(body: Body) -> str | None:
    """The first parser event of the top-level `orders` value ("start_array" for a list)."""
    for prefix, event, _ in ijson.parse(body.reader(), use_float=True):
        if prefix == "orders":
            return event
    return None


def _is_utf8(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "utf-8").name in ("utf-8", "ascii")
    except LookupError:  # decoded as UTF-8 anyway (see decode)
        return True


def decode(content: bytes, encoding: str | None) -> str:
    try:
        return content.decode(encoding or "utf-8", "replace")
    except LookupError:  # a charset Python does not know: JSON is UTF-8 anyway
        return content.decode("utf-8", "replace")
