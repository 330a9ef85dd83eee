"""Mirror FinerWorks' pending orders: one full snapshot per account, upserted in bulk."""

import hashlib
import time
from dataclasses import dataclass

import orjson
from django.db import connections, router, transaction
from django.utils import timezone

from orders.finerworks.client import canonical_json
from orders.finerworks.errors import CredentialsRejected, FinerWorksError
from orders.models import FinerWorksAccount, PendingOrder

from .accounts import account_owner_get_or_create
from .advice import explain
from .audit import finerworks_client

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
    "state_changed_at",
]


@dataclass
class SyncSummary:
    account: FinerWorksAccount
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    duration_ms: int = 0
    error: FinerWorksError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self):
        if self.error is not None:
            return f"{self.account}: sync failed, nothing changed. {explain(self.error)}"
        return (
            f"{self.account}: {self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.gone} gone ({self.duration_ms} ms)"
        )


def _text(value, limit: int) -> str:
    return str(value or "")[:limit]


def record_hash(record: dict) -> str:
    return _digest(canonical_json(record))


def _digest(record_json: bytes) -> str:
    return hashlib.sha256(record_json).hexdigest()


def mirrored_fields(record: dict) -> dict:
    """The list-view columns derived from one FinerWorks pending-order record."""
    recipient = record.get("recipient") or {}
    items = [i for i in record.get("order_items") or [] if isinstance(i, dict)]
    first = items[0] if items else {}
    name = " ".join(
        str(part) for part in (recipient.get("first_name"), recipient.get("last_name")) if part
    )
    quantity = 0
    for item in items:
        try:
            quantity += max(int(item.get("product_qty") or 0), 0)
        except (TypeError, ValueError):
            pass
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
        "total_quantity": quantity,
        "first_sku": _text(first.get("product_sku"), 100),
        "first_title": _text(first.get("product_title"), 300),
    }


def _accounts(account: FinerWorksAccount | None) -> list[FinerWorksAccount]:
    if account is not None:
        return [account]
    account_owner_get_or_create()
    return list(FinerWorksAccount.objects.order_by("account_key", "name"))


def pending_orders_sync(
    *, account: FinerWorksAccount | None = None, acting_user=None
) -> list[SyncSummary]:
    """List every pending order of each account (all when none given) and mirror it.

    FinerWorks sees one list_pending_orders call per account (plus allowed retries); each
    attempt is audited. A failed call changes no order of that account.
    """
    summaries = []
    for acct in _accounts(account):
        summary = _sync_account(acct, acting_user)
        summaries.append(summary)
        if isinstance(summary.error, CredentialsRejected):
            break  # every other account would be refused the same way
    return summaries


def _sync_account(account: FinerWorksAccount, acting_user) -> SyncSummary:
    started = time.monotonic()
    summary = SyncSummary(account=account)
    client = finerworks_client(purpose="sync", account=account, acting_user=acting_user)
    try:
        response = client.list_pending_orders(account_key=account.account_key or None)
    except FinerWorksError as exc:
        summary.error = exc
        summary.duration_ms = int((time.monotonic() - started) * 1000)
        return summary

    snapshot = {}  # fulfillment_id -> the record as canonical JSON
    for listed in response.listed_orders:
        if (fid := listed.order_id()) is not None:
            snapshot[fid] = listed.record_json
    del response  # the orders live on in the snapshot only
    _apply_snapshot(account, snapshot, summary)
    summary.duration_ms = int((time.monotonic() - started) * 1000)
    return summary


def _apply_snapshot(account: FinerWorksAccount, snapshot: dict, summary: SyncSummary) -> None:
    now = timezone.now()
    rows = PendingOrder.objects.filter(account=account)
    known = {}  # fulfillment_id -> (pk, raw_hash, state)
    for pk, fid, digest, state in rows.values_list(
        "pk", "fulfillment_id", "raw_hash", "state"
    ).iterator(chunk_size=5000):
        if fid in snapshot or state == PendingOrder.State.PENDING:
            known[fid] = (pk, digest, state)

    upserts = []  # (fulfillment_id, record JSON, digest) of new and changed orders
    revived_pks = []
    for fid, record_json in snapshot.items():
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
        upserts.append((fid, record_json, digest))
    gone_pks = [
        pk for fid, (pk, _, state) in known.items() if fid not in snapshot and state == "pending"
    ]
    summary.gone = len(gone_pks)

    with transaction.atomic():
        # One upsert for new and changed rows; first_seen_at is kept on conflict.
        for start in range(0, len(upserts), BATCH_SIZE):
            _upsert(account, upserts[start : start + BATCH_SIZE], now)
        for start in range(0, len(gone_pks), BATCH_SIZE):
            rows.filter(pk__in=gone_pks[start : start + BATCH_SIZE]).update(
                state=PendingOrder.State.GONE, state_changed_at=now
            )
        for start in range(0, len(revived_pks), BATCH_SIZE):
            rows.filter(pk__in=revived_pks[start : start + BATCH_SIZE]).update(state_changed_at=now)
        # Every order still pending and not written above was listed unchanged.
        rows.filter(state=PendingOrder.State.PENDING).exclude(last_seen_at=now).update(
            last_seen_at=now
        )
        FinerWorksAccount.objects.filter(pk=account.pk).update(last_synced_at=now)
    account.last_synced_at = now


def _upsert(account: FinerWorksAccount, batch: list[tuple], now) -> None:
    """Insert the batch's new orders and refresh its changed ones.

    One INSERT ... ON CONFLICT DO UPDATE run over the whole batch (executemany), which
    SQLite and PostgreSQL both speak: one statement per batch, not one per 39 rows as
    bulk_create must on SQLite, and no per-field preparation of every value.
    """
    connection = connections[router.db_for_write(PendingOrder)]
    refreshed = [f for f in MIRRORED_FIELDS if f != "state_changed_at"]
    if connection.vendor not in ("sqlite", "postgresql"):
        PendingOrder.objects.bulk_create(
            [
                PendingOrder(account=account, **_values(fid, orjson.loads(data), digest, now))
                for fid, data, digest in batch
            ],
            update_conflicts=True,
            unique_fields=["account", "fulfillment_id"],
            update_fields=refreshed,
        )
        return
    quote = connection.ops.quote_name
    fields = [f for f in PendingOrder._meta.concrete_fields if not f.primary_key]
    # Columns the sync does not set get their model default (None, "", False ...).
    defaults = {f.name: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    defaults["account"] = account.pk
    columns = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields if f.name in refreshed
    )
    # Identifiers come from the model's metadata; every value is a parameter.
    table = quote(PendingOrder._meta.db_table)
    # The record goes in as the canonical JSON text it already is (no second dump).
    raw_placeholder = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    placeholders = ", ".join(raw_placeholder if f.name == "raw" else "%s" for f in fields)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({quote('account_id')}, {quote('fulfillment_id')}) "
        f"DO UPDATE SET {updates}"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = []
    for fid, data, digest in batch:
        values = {**defaults, **_values(fid, orjson.loads(data), digest, stamp)}
        values["raw"] = data.decode()
        rows.append([values[f.name] for f in fields])
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
