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

import os
import time

from bench._common import (
    DATA,
    QueryCounter,
    add_repeat,
    bench_parser,
    emit,
    log,
    median,
    quick,
    quiet_orders_log,
    setup_django,
)
from bench._databases import Database

SEED = 7
ENDPOINTS = ("list_pending_orders", "delete_pending_orders")


class Mirror:
    """A template database mirroring the sandbox's orders, restored before every run."""

    def __init__(self, server_url: str):
        self.run = Database(server_url, "fwadmin_bench_delete", "delete-run.sqlite3")
        self.template = Database(server_url, "fwadmin_bench_delete_tpl", "delete-template.sqlite3")
        self.url = self.run.url

    def prepare(self) -> None:
        DATA.mkdir(parents=True, exist_ok=True)
        self.run.create_empty()

    def save_template(self) -> None:
        from django.db import connection

        connection.close()
        self.template.copy_from(self.run)

    def restore(self) -> None:
        from django.db import connection

        connection.close()
        self.run.copy_from(self.template)


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

    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        started = time.perf_counter()
        deletion = bulk_deletion_create(
            user=user, orders=PendingOrder.objects.filter(state="pending")
        )
        bulk_deletion_confirm(deletion=deletion, user=user)
        totals = bulk_deletion_run(deletion=deletion, acting_user=user)
        elapsed = time.perf_counter() - started
    deleted = totals.count(BulkDeletionItem.Outcome.DELETED)
    return {"seconds": elapsed, "queries": queries.n, "deleted": deleted}


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


def mirror_build(server_url: str, orders: int) -> Mirror:
    """Django on a migrated database mirroring a sandbox of `orders` orders (first sync),
    with the superuser who deletes; saved as the template of every run."""
    mirror = Mirror(server_url)
    mirror.prepare()
    setup_django(mirror.url)
    from django.contrib.auth.models import User

    from bench._common import migrate_quietly
    from orders.services import pending_orders_sync

    quiet_orders_log()
    migrate_quietly()
    User.objects.create_superuser("bench", "bench@example.test", None)
    sandbox = sandbox_with_orders(orders)
    point_django_at(sandbox)
    [summary] = pending_orders_sync()
    sandbox.stop()
    assert summary.new == orders, summary
    mirror.save_template()
    return mirror


def service_round(mirror: Mirror, orders: int, latency: int) -> dict:
    """The service on a fresh copy of the mirror and a fresh sandbox; its figures and calls."""
    from django.contrib.auth.models import User

    mirror.restore()
    sandbox = sandbox_with_orders(orders)
    sandbox.set_latency(latency)
    point_django_at(sandbox)
    user = User.objects.get(username="bench")
    result = service_run(user)
    calls = {e: len(sandbox.requests_for(e)) for e in ENDPOINTS}
    sandbox.stop()
    if result["deleted"] != orders or sandbox.listed_ids():
        raise SystemExit(f"bench: the service deleted {result['deleted']}")
    return {**result, "calls": calls}


def bare_round(orders: int, latency: int, batch: int) -> float:
    """The bare loop over every order of a fresh sandbox; its seconds."""
    sandbox = sandbox_with_orders(orders)
    sandbox.set_latency(latency)
    fids = sorted(sandbox.listed_ids())
    bare_s = bare_loop(sandbox, fids, batch)
    sandbox.stop()
    return bare_s


def measure(mirror: Mirror, orders: int, repeat: int, latency: int, batch: int):
    """The service runs and the bare loop's seconds of `repeat` rounds after a warm-up."""
    runs, bare = [], []
    for attempt in range(repeat + 1):  # the first round is the warm-up
        run = service_round(mirror, orders, latency)
        bare_s = bare_round(orders, latency, batch)
        if attempt:
            runs.append(run)
            bare.append(bare_s)
    return runs, bare


def latency_result(db: str, orders: int, latency: int, chunks: int, runs, bare) -> dict:
    ours = [run["seconds"] for run in runs]
    return {
        "bench": "delete",
        "db": db,
        "orders": orders,
        "latency_ms": latency,
        "chunks": chunks,
        "ours_s": median(ours),
        "baseline_s": median(bare),
        "ratio": median(ours) / median(bare),
        "queries": runs[0]["queries"],
        "calls": runs[0]["calls"],
        "samples_s": {"ours": [round(s, 3) for s in ours], "bare": [round(s, 3) for s in bare]},
    }


def report(result: dict) -> None:
    log(
        f"  latency {result['latency_ms']:>2} ms: service {result['ours_s']:.2f} s, bare loop "
        f"{result['baseline_s']:.2f} s, ratio {result['ratio']:.2f}; "
        f"{result['queries']} queries for {result['chunks']} chunks; calls {result['calls']}"
    )
    emit(**result)


def main() -> None:
    parser = bench_parser(__doc__, "--orders", default=2_000 if quick() else 10_000)
    add_repeat(parser, 3)
    parser.add_argument("--latencies", type=int, nargs="+", default=[0, 20])
    args = parser.parse_args()

    mirror = mirror_build(args.database_url, args.orders)
    from django.conf import settings
    from django.db import connection

    batch = settings.FINERWORKS_DELETE_BATCH_SIZE
    chunks = -(-args.orders // batch)
    db = connection.vendor
    log(f"bulk delete, {db}, {args.orders:,} orders in {chunks} chunks of {batch}")
    for latency in args.latencies:
        runs, bare = measure(mirror, args.orders, args.repeat, latency, batch)
        report(latency_result(db, args.orders, latency, chunks, runs, bare))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
