"""Sync: `pending_orders_sync` of N orders from the sandbox, against a bare bulk upsert.

    python -m bench.sync --sizes 10000 100000 [--database-url URL] [--repeat 3]

The sandbox runs in this process on 127.0.0.1. Every timed run is a fresh child process
on a fresh copy of a migrated database, so its peak RSS (VmHWM) is that case's alone:
- first:    the service's first sync of the snapshot (every order new);
- resync:   the service again on the unchanged snapshot (every order unchanged);
- baseline: a bare script: one POST, json.loads, one bulk_create(update_conflicts=True)
            of the same rows (same columns, raw record and hash).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from bench._common import (
    DATA,
    RESULT_PREFIX,
    emit,
    log,
    median,
    peak_rss_mb,
    postgres_create_database,
    postgres_url,
    quick,
    setup_django,
    sqlite_url,
)

MODES = ("first", "resync", "baseline")


# ---------------------------------------------------------------------------- child


def _count_queries():
    from django.db import connection

    counter = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(wrapper)
    return counter


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
    os.environ["FINERWORKS_BASE_URL"] = base_url
    os.environ["FINERWORKS_WEB_API_KEY"] = "sandbox-web-key"
    os.environ["FINERWORKS_APP_KEY"] = "sandbox-app-key"
    os.environ["FINERWORKS_TIMEOUT"] = "300"
    setup_django(database_url)
    import logging

    from django.db import connection

    logging.getLogger("orders").setLevel(logging.WARNING)  # no per-call log lines
    from orders.models import PendingOrder
    from orders.services import pending_orders_sync

    connection.ensure_connection()
    counter = _count_queries()
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
    queries = counter["n"]
    mirrored = PendingOrder.objects.filter(state="pending").count()
    print(
        RESULT_PREFIX
        + json.dumps(
            {
                "seconds": elapsed,
                "peak_rss_mb": peak_rss_mb(),
                "queries": queries,
                "mirrored": mirrored,
                "summary": summary,
            }
        ),
        flush=True,
    )


# ---------------------------------------------------------------------------- parent


class Databases:
    """A migrated, empty template database and cheap copies of it (or of a synced one)."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.copies = 0

    def _name(self, label: str) -> str:
        return f"fwadmin_bench_sync_{label}"

    def template(self) -> str:
        if self.server_url:
            postgres_create_database(self.server_url, self._name("tpl"), drop=True)
            url = postgres_url(self.server_url, self._name("tpl"))
        else:
            path = DATA / "sync-template.sqlite3"
            path.unlink(missing_ok=True)
            url = sqlite_url(path)
        env = {**os.environ, "BENCH_DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "bench.sync", "--migrate-only"], env=env, check=True)
        self.template_url = url
        return url

    def copy(self, source_url: str, label: str) -> str:
        """A fresh database with the content of source_url."""
        if self.server_url:
            name = self._name(label)
            source = source_url.rsplit("/", 1)[-1]
            postgres_create_database(self.server_url, name, drop=True, template=source)
            return postgres_url(self.server_url, name)
        source = source_url[len("sqlite:///") :]
        target = DATA / f"sync-{label}.sqlite3"
        shutil.copyfile(source, target)
        return sqlite_url(target)


def run_child(mode: str, database_url: str, base_url: str) -> dict:
    command = [sys.executable, "-m", "bench.sync", "--child", mode]
    env = {**os.environ, "BENCH_DATABASE_URL": database_url, "BENCH_SANDBOX_URL": base_url}
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise SystemExit(f"bench: {mode} child gave no result:\n{out.stdout}\n{out.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--database-url", default="", help="PostgreSQL server; else SQLite")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--migrate-only", action="store_true")
    args = parser.parse_args()

    if args.migrate_only:
        setup_django(os.environ["BENCH_DATABASE_URL"])
        from bench._common import migrate_quietly
        from orders.services import account_owner_get_or_create

        migrate_quietly()
        account_owner_get_or_create()
        return
    if args.child:
        child(args.child, os.environ["BENCH_DATABASE_URL"], os.environ["BENCH_SANDBOX_URL"])
        return

    from bench._common import loopback_only

    loopback_only()
    from orders.finerworks.sandbox import Sandbox

    sizes = args.sizes or ([2_000, 10_000] if quick() else [10_000, 100_000])
    DATA.mkdir(parents=True, exist_ok=True)
    databases = Databases(args.database_url)
    template = databases.template()
    db = "postgresql" if args.database_url else "sqlite"
    for index, size in enumerate(sizes):
        repeat = args.repeat or (3 if size >= 100_000 or quick() else 5)
        # Every run is a new process; one warm-up round (at the first size) settles the
        # page cache and the sandbox, larger sizes start right away.
        warmup = 1 if index == 0 else 0
        with Sandbox() as sandbox:
            sandbox.seed(size, seed=size)
            log(f"sync, {db}, {size:,} orders (sandbox {sandbox.base_url})")
            # One first sync, kept as the starting point of every re-sync run.
            synced = databases.copy(template, "synced")
            run_child("first", synced, sandbox.base_url)
            samples = {mode: [] for mode in MODES}
            for attempt in range(warmup + repeat):
                for mode in MODES:
                    source = synced if mode == "resync" else template
                    url = databases.copy(source, "run")
                    result = run_child(mode, url, sandbox.base_url)
                    if result["mirrored"] != size:
                        raise SystemExit(f"bench: {mode} mirrored {result['mirrored']} of {size}")
                    if attempt >= warmup:
                        samples[mode].append(result)
            first = median([r["seconds"] for r in samples["first"]])
            resync = median([r["seconds"] for r in samples["resync"]])
            baseline = median([r["seconds"] for r in samples["baseline"]])
            result = {
                "bench": "sync",
                "db": db,
                "size": size,
                "first_s": first,
                "resync_s": resync,
                "baseline_s": baseline,
                "first_ratio": first / baseline,
                "resync_ratio": resync / first,
                "first_rss_mb": max(r["peak_rss_mb"] for r in samples["first"]),
                "resync_rss_mb": max(r["peak_rss_mb"] for r in samples["resync"]),
                "baseline_rss_mb": max(r["peak_rss_mb"] for r in samples["baseline"]),
                "first_queries": samples["first"][0]["queries"],
                "resync_queries": samples["resync"][0]["queries"],
                "samples_s": {m: [round(r["seconds"], 3) for r in samples[m]] for m in MODES},
            }
            log(
                f"  first {first:.2f} s ({result['first_ratio']:.2f}x baseline "
                f"{baseline:.2f} s), re-sync {resync:.2f} s ({result['resync_ratio']:.2f}x first)"
                f", peak RSS first {result['first_rss_mb']:.0f} MB, "
                f"re-sync {result['resync_rss_mb']:.0f} MB, baseline "
                f"{result['baseline_rss_mb']:.0f} MB; queries {result['first_queries']} / "
                f"{result['resync_queries']}"
            )
            emit(**result)


if __name__ == "__main__":
    main()
