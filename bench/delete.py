"""Bulk delete: the whole deletion service against a bare loop of the same POSTs.

    python -m bench.delete [--orders 10000] [--database-url URL] [--repeat 3]

Per run: a fresh sandbox (127.0.0.1, this process) holding the same N orders, and a
fresh copy of a database that mirrors them. The service run is what the dashboard's
"Yes, delete" sets going: bulk_deletion_create, bulk_deletion_confirm, bulk_deletion_run
(claims, per-account pre-flight list, chunks of FINERWORKS_DELETE_BATCH_SIZE, one audit
row per call, verification by re-listing, outcome of every order). The baseline is a
bare requests.Session loop POSTing the same chunks to delete_pending_orders.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

from bench._common import (
    DATA,
    emit,
    log,
    median,
    postgres_create_database,
    postgres_url,
    quick,
    setup_django,
    sqlite_url,
)

SEED = 7


class Mirror:
    """A template database mirroring the sandbox's orders, restored before every run."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        if server_url:
            self.url = postgres_url(server_url, "fwadmin_bench_delete")
        else:
            self.path = DATA / "delete-run.sqlite3"
            self.template_path = DATA / "delete-template.sqlite3"
            self.url = sqlite_url(self.path)

    def prepare(self) -> None:
        DATA.mkdir(parents=True, exist_ok=True)
        if self.server_url:
            postgres_create_database(self.server_url, "fwadmin_bench_delete", drop=True)
        else:
            self.path.unlink(missing_ok=True)

    def save_template(self) -> None:
        from django.db import connection

        connection.close()
        if self.server_url:
            postgres_create_database(
                self.server_url,
                "fwadmin_bench_delete_tpl",
                drop=True,
                template="fwadmin_bench_delete",
            )
        else:
            shutil.copyfile(self.path, self.template_path)

    def restore(self) -> None:
        from django.db import connection

        connection.close()
        if self.server_url:
            postgres_create_database(
                self.server_url,
                "fwadmin_bench_delete",
                drop=True,
                template="fwadmin_bench_delete_tpl",
            )
        else:
            shutil.copyfile(self.template_path, self.path)


def sandbox_with_orders(n: int):
    from orders.finerworks.sandbox import Sandbox

    sandbox = Sandbox().start()
    sandbox.seed(n, seed=SEED)
    return sandbox


def point_django_at(sandbox) -> None:
    from django.conf import settings

    settings.FINERWORKS_BASE_URL = sandbox.base_url
    settings.FINERWORKS_WEB_API_KEY = sandbox.web_api_key
    settings.FINERWORKS_APP_KEY = sandbox.app_key
    settings.FINERWORKS_TIMEOUT = 30.0


def service_run(user) -> dict:
    """Create, confirm and run a deletion of every pending order; returns its figures."""
    from django.db import connection

    from orders.models import BulkDeletionItem, PendingOrder
    from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run

    queries = {"n": 0}

    def count(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        deletion = bulk_deletion_create(
            user=user, orders=PendingOrder.objects.filter(state="pending")
        )
        bulk_deletion_confirm(deletion=deletion, user=user)
        totals = bulk_deletion_run(deletion=deletion, acting_user=user)
        elapsed = time.perf_counter() - started
    deleted = totals.count(BulkDeletionItem.Outcome.DELETED)
    return {"seconds": elapsed, "queries": queries["n"], "deleted": deleted}


def bare_loop(sandbox, fids: list[int], batch: int) -> float:
    import requests

    session = requests.Session()
    headers = {"web_api_key": sandbox.web_api_key, "app_key": sandbox.app_key}
    url = f"{sandbox.base_url}/v3/delete_pending_orders"
    started = time.perf_counter()
    for start in range(0, len(fids), batch):
        response = session.post(url, json={"ids": fids[start : start + batch]}, headers=headers)
        response.raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2_000 if quick() else 10_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL server; else SQLite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latencies", type=int, nargs="+", default=[0, 20])
    args = parser.parse_args()

    mirror = Mirror(args.database_url)
    mirror.prepare()
    setup_django(mirror.url)
    import logging

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection

    from bench._common import migrate_quietly
    from orders.services import pending_orders_sync

    logging.getLogger("orders").setLevel(logging.WARNING)
    migrate_quietly()
    User.objects.create_superuser("bench", "bench@example.test", None)
    sandbox = sandbox_with_orders(args.orders)
    point_django_at(sandbox)
    [summary] = pending_orders_sync()
    sandbox.stop()
    assert summary.new == args.orders, summary
    mirror.save_template()

    batch = settings.FINERWORKS_DELETE_BATCH_SIZE
    chunks = -(-args.orders // batch)
    db = connection.vendor
    log(f"bulk delete, {db}, {args.orders:,} orders in {chunks} chunks of {batch}")
    for latency in args.latencies:
        ours, bare, runs = [], [], []
        for attempt in range(args.repeat + 1):  # the first round is the warm-up
            mirror.restore()
            sandbox = sandbox_with_orders(args.orders)
            sandbox.set_latency(latency)
            point_django_at(sandbox)
            user = User.objects.get(username="bench")
            result = service_run(user)
            calls = {
                e: len(sandbox.requests_for(e))
                for e in ("list_pending_orders", "delete_pending_orders")
            }
            sandbox.stop()
            if result["deleted"] != args.orders or sandbox.listed_ids():
                raise SystemExit(f"bench: the service deleted {result['deleted']}")
            sandbox = sandbox_with_orders(args.orders)
            sandbox.set_latency(latency)
            fids = sorted(sandbox.listed_ids())
            bare_s = bare_loop(sandbox, fids, batch)
            sandbox.stop()
            if attempt:
                ours.append(result["seconds"])
                bare.append(bare_s)
                runs.append({**result, "calls": calls})
        result = {
            "bench": "delete",
            "db": db,
            "orders": args.orders,
            "latency_ms": latency,
            "chunks": chunks,
            "ours_s": median(ours),
            "baseline_s": median(bare),
            "ratio": median(ours) / median(bare),
            "queries": runs[0]["queries"],
            "calls": runs[0]["calls"],
            "samples_s": {"ours": [round(s, 3) for s in ours], "bare": [round(s, 3) for s in bare]},
        }
        log(
            f"  latency {latency:>2} ms: service {result['ours_s']:.2f} s, bare loop "
            f"{result['baseline_s']:.2f} s, ratio {result['ratio']:.2f}; "
            f"{result['queries']} queries for {chunks} chunks; calls {result['calls']}"
        )
        emit(**result)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
