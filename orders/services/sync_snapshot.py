"""One account's list answer as a sync reads it, and the list-view columns of a record."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from orders.finerworks.client import FinerWorksResponse
from orders.finerworks.responses import canonical_json
from orders.finerworks.spool import ListedOrders
from orders.junk import incomplete_reason, order_fingerprint, search_text


@dataclass
class Snapshot:
    """What one list answer says of an account: its orders (spooled, read batch by batch),
    every id it lists (mirrorable or not), what was skipped, and whether it can prove
    absence."""

    listed_at: datetime
    orders: ListedOrders = field(default_factory=ListedOrders)
    skipped: list[str] = field(default_factory=list)
    complete: bool = True

    @classmethod
    def of(cls, response: FinerWorksResponse, listed_at: datetime) -> "Snapshot":
        orders = response.listed_orders
        skipped = list(response.unreadable_records)
        skipped += [f"#{fid}: {problem}" for fid, problem in orders.problems]
        # A record without a usable id might be any order: none can be called gone.
        complete = not response.unreadable_records
        return cls(listed_at=listed_at, orders=orders, skipped=skipped, complete=complete)

    @property
    def listed(self) -> set[int]:
        return self.orders.ids

    @property
    def mirrorable(self) -> int:
        return len(self.orders) - len(self.orders.problems)

    def batches(self, size: int) -> Iterator[list[tuple[int, bytes]]]:
        """The mirrorable records as (id, canonical JSON), `size` at a time, in order."""
        batch = []
        for order in self.orders:
            if not order.problem:
                batch.append((order.fulfillment_id, order.record_json))
                if len(batch) == size:
                    yield batch
                    batch = []
        if batch:
            yield batch


def _text(value, limit: int) -> str:
    return str(value or "")[:limit]


def record_hash(record: dict) -> str:
    return record_digest(canonical_json(record))


def record_digest(record_json: bytes) -> str:
    """The hash a sync compares to see whether an order changed."""
    return hashlib.sha256(record_json).hexdigest()


def mirrored_fields(record: dict) -> dict:
    """The list-view columns derived from one FinerWorks pending-order record (one that
    responses.record_problem found usable)."""
    recipient = record.get("recipient") or {}
    items = record.get("order_items") or []
    first = items[0] if items else {}
    name = " ".join(
        str(part) for part in (recipient.get("first_name"), recipient.get("last_name")) if part
    )
    fields = {
        "order_po": _text(record.get("order_po"), 200),
        "recipient_name": _text(name, 200),
        "recipient_company": _text(recipient.get("company_name"), 200),
        "recipient_country": _text(recipient.get("country_code"), 10),
        "recipient_email": _text(recipient.get("email"), 254),
        "source": _text(record.get("source"), 50),
        "shipping_code": _text(record.get("shipping_code"), 20),
        "test_mode": bool(record.get("test_mode")),
        "item_count": len(items),
        "total_quantity": sum(int(item.get("product_qty") or 0) for item in items),
        "first_sku": _text(first.get("product_sku"), 100),
        "first_title": _text(first.get("product_title"), 300),
    }
    return {
        **fields,
        "fingerprint": order_fingerprint(record),
        "incomplete": _text(incomplete_reason(record), 200),
        "search_text": search_text(record, fields),
    }
