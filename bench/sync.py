"""Sync: `pending_orders_sync` of N orders from the sandbox, against a bare bulk upsert.

    python -m bench.sync --sizes 10000 100000 [--database-url URL] [--repeat 3] [--no-baseline]

The sandbox runs in this process on 127.0.0.1. Every timed run is a fresh child process
(bench/_sync_child.py) on a fresh copy of a migrated database, so its peak RSS (VmHWM) is
that case's alone:
- first:    the service's first sync of the snapshot (every order new);
- resync:   the service again on the unchanged snapshot (every order unchanged);
- baseline: a bare script: one POST, json.loads, one bulk_create(update_conflicts=True)
            of the same rows (same columns, raw record and hash).
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench._common import (
    DATA,
    add_repeat,
    bench_parser,
    emit,
    log,
    loopback_only,
    median,
    parse_result,
    quick,
)
from bench._databases import Database
from bench._sync_child import child, migrate_only

MODES = ("first", "resync", "baseline")


class Databases:
    """A migrated, empty template database and cheap copies of it (or of a synced one)."""

    def __init__(self, server_url: str):
        self.template = Database(server_url, "fwadmin_bench_sync_tpl", "sync-template.sqlite3")
        self.synced = Database(server_url, "fwadmin_bench_sync_synced", "sync-synced.sqlite3")
        self.run = Database(server_url, "fwadmin_bench_sync_run", "sync-run.sqlite3")

    def migrate_template(self) -> None:
        """An empty template, migrated by a child process (this one never starts Django)."""
        self.template.create_empty()
        env = {**os.environ, "BENCH_DATABASE_URL": self.template.url}
        subprocess.run([sys.executable, "-m", "bench.sync", "--migrate-only"], env=env, check=True)


def run_child(mode: str, database_url: str, base_url: str) -> dict:
    command = [sys.executable, "-m", "bench.sync", "--child", mode]
    env = {**os.environ, "BENCH_DATABASE_URL": database_url, "BENCH_SANDBOX_URL": base_url}
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        result = parse_result(line)
        if result is not None:
            return result
    raise SystemExit(f"bench: {mode} child gave no result:\n{out.stdout}\n{out.stderr}")


def measure(
    databases: Databases, base_url: str, size: int, warmup: int, repeat: int, modes=MODES
) -> dict:
    """mode -> the figures of its `repeat` runs after `warmup` rounds, modes interleaved."""
    # One first sync, kept as the starting point of every re-sync run.
    databases.synced.copy_from(databases.template)
    run_child("first", databases.synced.url, base_url)
    samples = {mode: [] for mode in modes}
    for attempt in range(warmup + repeat):
        for mode in modes:
            source = databases.synced if mode == "resync" else databases.template
            databases.run.copy_from(source)
            result = run_child(mode, databases.run.url, base_url)
            if result["mirrored"] != size:
                raise SystemExit(f"bench: {mode} mirrored {result['mirrored']} of {size}")
            if attempt >= warmup:
                samples[mode].append(result)
    return samples


def size_result(db: str, size: int, samples: dict) -> dict:
    first = median([r["seconds"] for r in samples["first"]])
    resync = median([r["seconds"] for r in samples["resync"]])
    baselines = samples.get("baseline") or [{"seconds": float("nan"), "peak_rss_mb": float("nan")}]
    baseline = median([r["seconds"] for r in baselines])
    return {
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
        "baseline_rss_mb": max(r["peak_rss_mb"] for r in baselines),
        "first_queries": samples["first"][0]["queries"],
        "resync_queries": samples["resync"][0]["queries"],
        "samples_s": {m: [round(r["seconds"], 3) for r in runs] for m, runs in samples.items()},
    }


def report(result: dict) -> None:
    log(
        f"  first {result['first_s']:.2f} s ({result['first_ratio']:.2f}x baseline "
        f"{result['baseline_s']:.2f} s), re-sync {result['resync_s']:.2f} s "
        f"({result['resync_ratio']:.2f}x first), peak RSS first {result['first_rss_mb']:.0f} MB, "
        f"re-sync {result['resync_rss_mb']:.0f} MB, baseline "
        f"{result['baseline_rss_mb']:.0f} MB; queries {result['first_queries']} / "
        f"{result['resync_queries']}"
    )
    emit(**result)


def bench_sizes(args) -> None:
    from orders.finerworks.sandbox import Sandbox

    sizes = args.sizes or ([2_000, 10_000] if quick() else [10_000, 100_000])
    DATA.mkdir(parents=True, exist_ok=True)
    databases = Databases(args.database_url)
    databases.migrate_template()
    db = "postgresql" if args.database_url else "sqlite"
    for index, size in enumerate(sizes):
        repeat = args.repeat or (3 if size >= 100_000 or quick() else 5)
        # Every run is a new process; one warm-up round (at the first size) settles the
        # page cache and the sandbox, larger sizes start right away.
        warmup = 1 if index == 0 else 0
        with Sandbox() as sandbox:
            sandbox.seed(size, seed=size)
            log(f"sync, {db}, {size:,} orders (sandbox {sandbox.base_url})")
            modes = MODES[:2] if args.no_baseline else MODES
            samples = measure(databases, sandbox.base_url, size, warmup, repeat, modes)
            report(size_result(db, size, samples))


def main() -> None:
    parser = bench_parser(__doc__, "--sizes", nargs="+", default=None)
    add_repeat(parser, None)
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--migrate-only", action="store_true")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the bare script (1M orders: 14 GB)"
    )
    args = parser.parse_args()
    if args.migrate_only:
        migrate_only(os.environ["BENCH_DATABASE_URL"])
    elif args.child:
        child(args.child, os.environ["BENCH_DATABASE_URL"], os.environ["BENCH_SANDBOX_URL"])
    else:
        loopback_only()
        bench_sizes(args)


if __name__ == "__main__":
    main()
