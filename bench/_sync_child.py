"""The child process of bench/sync.py (`--child MODE`): one timed run of one mode on a
fresh database, its figures as one result line; and the template's migration
(`--migrate-only`). The database and the sandbox's URL come in BENCH_DATABASE_URL and
BENCH_SANDBOX_URL."""

from __future__ import annotations

import json
import os
import time

from bench._common import QueryCounter, emit, peak_rss_mb, quiet_orders_log, setup_django


def _baseline(base_url: str) -> int:
    """What any mirror must do at least: fetch, parse, one upsert of the same rows."""
    import requests
    from django.utils import timezone

    from orders.finerworks.sandbox import DEFAULT_APP_KEY, DEFAULT_WEB_API_KEY
    from orders.models import FinerWorksAccount, PendingOrder
    from orders.services.sync_apply import MIRRORED_FIELDS
    from orders.services.sync_snapshot import mirrored_fields, record_hash

    account = FinerWorksAccount.objects.get(account_key__isnull=True)
    response = requests.post(
        f"{base_url}/v3/list_pending_orders",
        data=b"{}",
        headers={
            "web_api_key": DEFAULT_WEB_API_KEY,
            "app_key": DEFAULT_APP_KEY,
            "Content-Type": "application/json",
        },
        timeout=300,
    )
    records = json.loads(response.text)["orders"]
    now = timezone.now()
    rows = [
        PendingOrder(
            account=account,
            fulfillment_id=int(record["fulfillment_id"]),
            raw=record,
            raw_hash=record_hash(record),
            first_seen_at=now,
            last_seen_at=now,
            state=PendingOrder.State.PENDING,
            state_changed_at=now,
            **mirrored_fields(record),
        )
        for record in records
    ]
    PendingOrder.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "fulfillment_id"],
        update_fields=[f for f in MIRRORED_FIELDS if f != "state_changed_at"],
    )
    return len(rows)


def child(mode: str, database_url: str, base_url: str) -> None:
    """One timed run of mode (a fresh process); its figures as one result line."""
    os.environ["FINERWORKS_BASE_URL"] = base_url
    os.environ["FINERWORKS_WEB_API_KEY"] = "sandbox-web-key"
    os.environ["FINERWORKS_APP_KEY"] = "sandbox-app-key"
    os.environ["FINERWORKS_TIMEOUT"] = "300"
    setup_django(database_url)
    from django.db import connection

    quiet_orders_log()
    from orders.models import PendingOrder
    from orders.services import pending_orders_sync

    connection.ensure_connection()
    counter = QueryCounter()
    connection.execute_wrappers.append(counter)
    started = time.perf_counter()
    if mode == "baseline":
        n = _baseline(base_url)
        summary = f"{n} upserted"
    else:
        [result] = pending_orders_sync()
        if not result.ok:
            raise SystemExit(f"bench: sync failed: {result}")
        summary = str(result)
    elapsed = time.perf_counter() - started
    queries = counter.n
    mirrored = PendingOrder.objects.filter(state="pending").count()
    emit(
        seconds=elapsed,
        peak_rss_mb=peak_rss_mb(),
        queries=queries,
        mirrored=mirrored,
        summary=summary,
    )


def migrate_only(database_url: str) -> None:
    """Migrate an empty database and create the owner account: the template of every run."""
    setup_django(database_url)
    from bench._common import migrate_quietly
    from orders.services import account_owner_get_or_create

    migrate_quietly()
    account_owner_get_or_create()
