"""The mirrored orders the list-view benchmark reads: N rows, built once per database.

Rows come from the sandbox's own record generator and the sync's column mapping, so they
look like mirrored FinerWorks orders (raw record included). They are written with raw
bulk inserts (COPY on PostgreSQL) and reused while the stamp (generator version, size,
migrations) matches; `--fresh` rebuilds.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from bench._common import log, schema_version

GENERATOR_VERSION = "3"
CHUNK = 20_000
ACCOUNTS = [("Own account", None), ("Acme Prints", "bench-acme-key"), ("Gallery 9", "bench-g9-key")]
# Owner 60 %, then 20 % each; 85 % pending, 10 % gone, 5 % deleted.
ACCOUNT_OF = [0, 0, 0, 1, 2]
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)
FIRST_ID = 100_001
SYNC_BATCH = 50  # orders first seen by the same sync share first_seen_at (ties happen)


def state_of(i: int) -> str:
    slot = i % 20
    return "pending" if slot < 17 else ("gone" if slot < 19 else "deleted")


def stamp(size: int) -> str:
    return f"v{GENERATOR_VERSION}:{size}:{schema_version()}"


def current_stamp() -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        if "bench_stamp" not in connection.introspection.table_names(cursor):
            return None
        cursor.execute("SELECT value FROM bench_stamp")
        row = cursor.fetchone()
    return row[0] if row else None


def _columns():
    from orders.models import PendingOrder

    return [f.column for f in PendingOrder._meta.concrete_fields if f.column != "id"]


def _rows(size: int, account_ids: list[int]):
    """Yield value tuples in _columns() order (database-ready values)."""
    from django.db import connection

    from orders.finerworks.demo_data import make_records
    from orders.services.sync_snapshot import mirrored_fields, record_hash

    vendor = connection.vendor
    columns = _columns()
    now = datetime.now(UTC)
    adapt = connection.ops.adapt_datetimefield_value
    now_db = adapt(now)
    times = {}
    for start in range(0, size, CHUNK):
        records = make_records(min(CHUNK, size - start), seed=start, start_id=FIRST_ID + start)
        for offset, record in enumerate(records):
            i = start + offset
            tick = i // SYNC_BATCH
            if tick not in times:
                times = {tick: adapt(BASE_TIME + timedelta(minutes=tick))}
            state = state_of(i)
            values = {
                **mirrored_fields(record),
                "account_id": account_ids[ACCOUNT_OF[i % 5]],
                "fulfillment_id": record["fulfillment_id"],
                "raw": json.dumps(record),
                "raw_hash": record_hash(record),
                "first_seen_at": times[tick],
                "last_seen_at": now_db,
                "state": state,
                "state_changed_at": None if state == "pending" else now_db,
                "deleted_by_id": None,
                "deleted_by_username": "",
                "deleted_by_deletion_id": None,
                "claimed_by_id": None,
                "restore_claimed_by_id": None,
                "restored_from_id": None,
                "duplicate_po": None,
                "duplicate_recipient": None,
                "warning": "",
            }
            if vendor == "sqlite":
                values["test_mode"] = int(values["test_mode"])
            yield tuple(values[c] for c in columns)


def build(size: int) -> None:
    """Fill the (migrated, empty) database with `size` orders, accounts and two users."""
    from django.contrib.auth.models import Permission, User
    from django.db import connection, transaction

    from orders.models import FinerWorksAccount, PendingOrder

    started = time.monotonic()
    account_ids = []
    for name, key in ACCOUNTS:
        account, _ = FinerWorksAccount.objects.get_or_create(
            account_key=key, defaults={"name": name}
        )
        account_ids.append(account.pk)
    if not User.objects.filter(username="bench").exists():
        User.objects.create_superuser("bench", "bench@example.test", None)
        viewer = User.objects.create_user("viewer", "viewer@example.test", None, is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_pendingorder"))

    table = PendingOrder._meta.db_table
    columns = _columns()
    done = 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a throw-away file: no fsync while loading
            cursor.execute("PRAGMA synchronous = OFF")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in _rows(size, account_ids):
                    copy.write_row(row)
                    done += 1
                    if done % 200_000 == 0:
                        log(f"  {done:,} rows")
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
            batch = []
            for row in _rows(size, account_ids):
                batch.append(row)
                if len(batch) == CHUNK:
                    cursor.executemany(sql, batch)
                    done += len(batch)
                    batch = []
                    if done % 200_000 == 0:
                        log(f"  {done:,} rows")
            if batch:
                cursor.executemany(sql, batch)
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_stamp (value varchar(100))")
        cursor.execute("DELETE FROM bench_stamp")
        cursor.execute("INSERT INTO bench_stamp (value) VALUES (%s)", [stamp(size)])
    from orders.services.facets import account_facets_refresh

    account_facets_refresh(account_ids)  # what the sync keeps: duplicate flags, counts
    if connection.vendor == "postgresql":
        # What autovacuum would have done by the time anyone browses a table this size.
        with connection.cursor() as cursor:  # autocommit: VACUUM refuses a transaction
            cursor.execute(f"VACUUM ANALYZE {table}")
    log(f"  built {size:,} orders in {time.monotonic() - started:.0f} s")


def _stamp_or_none() -> str | None:
    from django.db.utils import OperationalError

    try:
        return current_stamp()
    except OperationalError:  # no such PostgreSQL database yet: it gets built
        return None


def ensure(database_url: str, size: int, *, base_url: str | None, fresh: bool) -> None:
    """Make the configured database hold exactly this benchmark's rows (build if needed)."""
    from django.db import connection

    from bench._common import migrate_quietly, postgres_create_database

    if not fresh and _stamp_or_none() == stamp(size):
        return
    connection.close()
    log(f"building {size:,} orders in {database_url.rsplit('/', 1)[-1]} ...")
    if connection.vendor == "sqlite":
        from pathlib import Path

        path = Path(connection.settings_dict["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        postgres_create_database(base_url, connection.settings_dict["NAME"], drop=True)
    migrate_quietly()
    build(size)
