"""Write one account's snapshot into the mirror, re-checking every row at write time.

Rows change under a sync: a deletion claims and settles orders while the snapshot is read.
So the writes themselves re-check: only orders still pending, unclaimed and unchanged
since the listing are marked gone, and a row whose state changed after the listing is
never overwritten by it.
"""

from dataclasses import dataclass, field

import orjson
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import FinerWorksAccount, PendingOrder

from .facets import account_facets_refresh
from .last_seen import last_seen_kept
from .sync_relisted import orders_listed_again_flag
from .sync_snapshot import Snapshot, mirrored_fields, record_digest

# Orders compared (one read of the mirror) and written (one upsert) at a time. Larger
# reads were slower on PostgreSQL (5,000 ids per IN: the re-sync of 100k took 1.3x).
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
    "fingerprint",
    "incomplete",
    "search_text",
    "raw",
    "raw_hash",
    "last_seen_at",
    "state",
]


@dataclass
class _Writes:
    """What one snapshot changes in the mirror, worked out (batch by batch) before anything
    is written: ids only, so memory does not grow with the records."""

    upsert_ids: set = field(default_factory=set)  # new or changed: written by the upsert
    revived_pks: list = field(default_factory=list)  # listed again after gone or deleted
    deleted_pks: list = field(default_factory=list)  # of those, deleted by fwadmin
    gone_pks: list = field(default_factory=list)  # pending, not listed by a complete answer

    @property
    def count(self) -> int:
        return len(self.upsert_ids) + len(self.gone_pks)


def snapshot_apply(account: FinerWorksAccount, snapshot: Snapshot, summary, progress) -> None:
    now = timezone.now()
    rows = PendingOrder.objects.filter(account=account)
    writes = _writes(rows, snapshot, summary, progress)
    progress(to_write=writes.count)  # before the transaction
    with transaction.atomic():
        # One upsert per batch for new and changed rows; first_seen_at is kept on conflict.
        written = 0
        for batch in snapshot.batches(BATCH_SIZE) if writes.upsert_ids else ():
            batch = [(fid, data) for fid, data in batch if fid in writes.upsert_ids]
            if batch:
                _upsert(account, batch, now, snapshot.listed_at)
                written += len(batch)
                progress(written=written)
        summary.gone = _mark_gone(rows, writes.gone_pks, now, snapshot.listed_at)
        progress(written=writes.count)
        revived = rows.filter(state=PendingOrder.State.PENDING)  # the upsert's WHERE let them
        for start in range(0, len(writes.revived_pks), BATCH_SIZE):
            revived.filter(pk__in=writes.revived_pks[start : start + BATCH_SIZE]).update(
                state_changed_at=now
            )
        # Last, so the orders marked gone above kept the previous listing as their last
        # seen. Every order still pending was listed by a complete answer (an incomplete
        # one cannot say which were: the stamp stays where it was).
        stamps = {"last_synced_at": now, **({"listed_all_at": now} if snapshot.complete else {})}
        FinerWorksAccount.objects.filter(pk=account.pk).update(**stamps)
    for name, value in stamps.items():
        setattr(account, name, value)
    if writes.count or not account.facets:
        account_facets_refresh([account.pk])
    if writes.deleted_pks:
        summary.listed_again = orders_listed_again_flag(account, writes.deleted_pks, now)


def _writes(rows, snapshot: Snapshot, summary, progress) -> _Writes:
    """Compare the snapshot with the mirror's rows, a batch of ids at a time (counting
    new/changed/unchanged). The writes re-check each row again: this read is only where to
    look."""
    writes = _Writes()
    compared = 0
    for batch in snapshot.batches(BATCH_SIZE):
        _compare(rows, batch, snapshot.listed_at, writes, summary)
        compared += len(batch)
        progress(compared=compared)  # outside any transaction: a sign of life
    if snapshot.complete:
        listed = snapshot.listed
        pending = rows.filter(state=PendingOrder.State.PENDING).values_list("pk", "fulfillment_id")
        writes.gone_pks = [pk for pk, fid in pending.iterator(chunk_size=5000) if fid not in listed]
    return writes


def _compare(rows, batch: list[tuple[int, bytes]], listed_at, writes: _Writes, summary) -> None:
    known = {
        fid: (pk, digest, state, changed_at)
        for pk, fid, digest, state, changed_at in rows.filter(
            fulfillment_id__in=[fid for fid, _ in batch]
        ).values_list("pk", "fulfillment_id", "raw_hash", "state", "state_changed_at")
    }
    for fid, record_json in batch:
        existing = known.get(fid)
        if existing is None:
            summary.new += 1
            writes.upsert_ids.add(fid)
            continue
        pk, digest, state, changed_at = existing
        if state != PendingOrder.State.PENDING and changed_at and changed_at >= listed_at:
            continue  # settled after the listing (a deletion): this snapshot cannot speak
        if state == PendingOrder.State.PENDING and digest == record_digest(record_json):
            summary.unchanged += 1
            continue
        summary.changed += 1
        writes.upsert_ids.add(fid)
        if state != PendingOrder.State.PENDING:
            writes.revived_pks.append(pk)
        if state == PendingOrder.State.DELETED:
            writes.deleted_pks.append(pk)


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
    for fid, data in batch:
        values = {**defaults, **_values(fid, orjson.loads(data), record_digest(data), stamp)}
        values["raw"] = data.decode()
        rows.append([*(values[f.name] for f in fields), cutoff])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # One statement for the batch: the search's FTS5 table (migration 0016) is
            # written by a trigger and flushes once per statement, ~150 us a row otherwise.
            picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(fields)))
            one = sql.replace(
                f"VALUES ({placeholders})",
                f"SELECT {picks} FROM json_each(%s) WHERE true",  # noqa: S608
            )
            cursor.execute(one, [orjson.dumps([row[:-1] for row in rows]).decode(), cutoff])
        else:
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
