"""Write one account's snapshot into the mirror, re-checking every row at write time.

Rows change under a sync: a deletion claims and settles orders while the snapshot is read.
So the writes themselves re-check: only orders still pending, unclaimed and unchanged
since the listing are marked gone, and a row whose state changed after the listing is
never overwritten by it.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from orders.finerworks.client import FinerWorksResponse
from orders.finerworks.responses import canonical_json
from orders.models import FinerWorksAccount, PendingOrder

from .last_seen import last_seen_kept
from .sync_relisted import orders_listed_again_flag

BATCH_SIZE = 1000
# Columns refreshed when an order's record changed (or it came back after being gone).
MIRRORED_FIELDS = [
    "order_po",
    "recipient_name",
    "recipient_company",
    "recipient_country",
    "recipient_email",
    "source",
    "shipping_code",
    "test_mode",
    "item_count",
    "total_quantity",
    "first_sku",
    "first_title",
    "raw",
    "raw_hash",
    "last_seen_at",
    "state",
]


@dataclass
class Snapshot:
    """What one list answer says of an account: each mirrorable record by id, every id it
    lists (mirrorable or not), what was skipped, and whether it can prove absence."""

    listed_at: datetime
    records: dict[int, bytes] = field(default_factory=dict)
    listed: set[int] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    complete: bool = True

    @classmethod
    def of(cls, response: FinerWorksResponse, listed_at: datetime) -> "Snapshot":
        snapshot = cls(listed_at=listed_at, skipped=list(response.unreadable_records))
        # A record without a usable id might be any order: none can be called gone.
        snapshot.complete = not response.unreadable_records
        for order in response.listed_orders:
            snapshot.listed.add(order.fulfillment_id)
            if order.problem:
                snapshot.skipped.append(f"#{order.fulfillment_id}: {order.problem}")
            else:
                snapshot.records[order.fulfillment_id] = order.record_json
        return snapshot


def _text(value, limit: int) -> str:
    return str(value or "")[:limit]


def record_hash(record: dict) -> str:
    return _digest(canonical_json(record))


def _digest(record_json: bytes) -> str:
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
    return {
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


def snapshot_apply(account: FinerWorksAccount, snapshot: Snapshot, summary) -> None:
    now = timezone.now()
    rows = PendingOrder.objects.filter(account=account)
    # Left pending after the listing: this snapshot cannot speak for them.
    settled_since = set(
        rows.exclude(state=PendingOrder.State.PENDING)
        .filter(state_changed_at__gte=snapshot.listed_at)
        .values_list("fulfillment_id", flat=True)
    )
    known = {}  # fulfillment_id -> (pk, raw_hash, state); no datetime read per row
    for pk, fid, digest, state in rows.values_list(
        "pk", "fulfillment_id", "raw_hash", "state"
    ).iterator(chunk_size=5000):
        if fid in settled_since:
            continue
        if fid in snapshot.listed or state == PendingOrder.State.PENDING:
            known[fid] = (pk, digest, state)

    upserts = []  # (fulfillment_id, record JSON, digest) of new and changed orders
    revived_pks, deleted_pks = [], []
    for fid, record_json in snapshot.records.items():
        if fid in settled_since:
            continue
        digest = _digest(record_json)
        existing = known.get(fid)
        if existing is not None and existing[1] == digest and existing[2] == "pending":
            summary.unchanged += 1
            continue
        if existing is None:
            summary.new += 1
        else:
            summary.changed += 1
            if existing[2] != PendingOrder.State.PENDING:
                revived_pks.append(existing[0])
            if existing[2] == PendingOrder.State.DELETED:
                deleted_pks.append(existing[0])
        upserts.append((fid, record_json, digest))
    gone_pks = []
    if snapshot.complete:
        gone_pks = [
            pk
            for fid, (pk, _, state) in known.items()
            if fid not in snapshot.listed and state == PendingOrder.State.PENDING
        ]

    with transaction.atomic():
        # One upsert for new and changed rows; first_seen_at is kept on conflict.
        for start in range(0, len(upserts), BATCH_SIZE):
            _upsert(account, upserts[start : start + BATCH_SIZE], now, snapshot.listed_at)
        summary.gone = _mark_gone(rows, gone_pks, now, snapshot.listed_at)
        revived = rows.filter(state=PendingOrder.State.PENDING)  # the upsert's WHERE let them
        for start in range(0, len(revived_pks), BATCH_SIZE):
            revived.filter(pk__in=revived_pks[start : start + BATCH_SIZE]).update(
                state_changed_at=now
            )
        # Last, so the orders marked gone above kept the previous listing as their last
        # seen. Every order still pending was listed by a complete answer (an incomplete
        # one cannot say which were: the stamp stays where it was).
        stamps = {"last_synced_at": now, **({"listed_all_at": now} if snapshot.complete else {})}
        FinerWorksAccount.objects.filter(pk=account.pk).update(**stamps)
    for name, value in stamps.items():
        setattr(account, name, value)
    if deleted_pks:
        summary.listed_again = orders_listed_again_flag(account, deleted_pks, now)


def _mark_gone(rows, gone_pks: list[int], now, listed_at) -> int:
    """Mark gone the orders the snapshot did not list, if nothing changed them since."""
    unchanged = Q(state_changed_at__isnull=True) | Q(state_changed_at__lt=listed_at)
    gone = 0
    for start in range(0, len(gone_pks), BATCH_SIZE):
        gone += (
            rows.filter(pk__in=gone_pks[start : start + BATCH_SIZE])
            .filter(unchanged, state=PendingOrder.State.PENDING, claimed_by__isnull=True)
            .update(
                state=PendingOrder.State.GONE, state_changed_at=now, last_seen_at=last_seen_kept()
            )
        )
    return gone


def _upsert(account: FinerWorksAccount, batch: list[tuple], now, listed_at) -> None:
    """Insert the batch's new orders and refresh its changed ones.

    One INSERT ... ON CONFLICT DO UPDATE run over the whole batch (executemany), which
    SQLite and PostgreSQL both speak: one statement per batch, not one per 39 rows as
    bulk_create must on SQLite. The update's WHERE re-checks each row at write time: a
    row that left `pending` after the listing (deleted, gone) keeps its state.
    """
    connection = connections[router.db_for_write(PendingOrder)]
    quote = connection.ops.quote_name
    fields = [f for f in PendingOrder._meta.concrete_fields if not f.primary_key]
    # Columns the sync does not set get their model default (None, "", False ...).
    defaults = {f.name: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    defaults["account"] = account.pk
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}"
        for f in fields
        if f.name in MIRRORED_FIELDS
    )
    # Identifiers come from the model's metadata; every value is a parameter.
    table = quote(PendingOrder._meta.db_table)
    state, changed_at = quote("state"), quote("state_changed_at")
    # The record goes in as the canonical JSON text it already is (no second dump).
    raw_placeholder = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    placeholders = ", ".join(raw_placeholder if f.name == "raw" else "%s" for f in fields)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({quote('account_id')}, {quote('fulfillment_id')}) "
        f"DO UPDATE SET {updates} "
        f"WHERE {table}.{state} = 'pending' OR {table}.{changed_at} < %s"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    cutoff = connection.ops.adapt_datetimefield_value(listed_at)
    rows = []
    for fid, data, digest in batch:
        values = {**defaults, **_values(fid, orjson.loads(data), digest, stamp)}
        values["raw"] = data.decode()
        rows.append([*(values[f.name] for f in fields), cutoff])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _values(fid: int, record: dict, digest: str, now) -> dict:
    """The columns a sync writes for one listed order (new, or changed since last time)."""
    return {
        "fulfillment_id": fid,
        "raw": record,
        "raw_hash": digest,
        "first_seen_at": now,
        "last_seen_at": now,
        "state": PendingOrder.State.PENDING,
        "state_changed_at": now,
        **mirrored_fields(record),
    }
