"""Run every benchmark and publish the figures in bench/README.md (`make bench`).

    python -m bench.run [--quick] [--only list sync delete] [--fresh]

SQLite always; PostgreSQL too when DATABASE_URL is set (a loopback server whose role may
create databases: the scripts make their own fwadmin_bench_* databases). Each script runs
as a child process; their result lines are collected into bench/results/latest.json and
the tables between the markers of bench/README.md are rewritten.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench._common import RESULTS, ROOT, check_database_url, parse_result, quick

README = ROOT / "bench" / "README.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
LIST_TARGET, LIST_SCALE, LIST_QUERIES = 0.25, 1.5, 6
SYNC_FIRST, SYNC_RESYNC, SYNC_RSS = 1.3, 0.3, 400
DELETE_TARGET = 1.5


def run(module: str, *args: str) -> list[dict]:
    command = [sys.executable, "-m", f"bench.{module}", *args]
    print("$", " ".join(command[1:]), file=sys.stderr, flush=True)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    results = []
    for line in process.stdout:
        result = parse_result(line)
        if result is None:
            print(line, end="", file=sys.stderr)
        else:
            results.append(result)
    if process.wait():
        raise SystemExit(f"bench: {module} failed (exit {process.returncode})")
    return results


def machine(database_url: str) -> dict:
    import django

    def out(*command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.rstrip()
        except OSError:
            return "n/a"

    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": out("nproc"),
        "cpu": cpu,
        "free -h": out("free", "-h"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
    }
    if database_url:
        import psycopg

        with psycopg.connect(database_url) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return info


def mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def list_table(results: list[dict]) -> list[str]:
    rows = [r for r in results if r["bench"] == "list"]
    if not rows:
        return []
    page_size = rows[0]["page_size"]
    lines = [
        f"### List view (page size {page_size}; targets: ≤ {LIST_TARGET}× admin, "
        f"≤ {LIST_QUERIES} queries, largest ÷ smallest size ≤ {LIST_SCALE}×)",
        "",
        "| DB | Orders | Case | Dashboard ms | Admin ms | Ratio | Queries: superuser / "
        "viewer / admin | Largest ÷ smallest |",
        "|---|---:|---|---:|---:|---:|---|---:|",
    ]
    smallest = {}
    for r in rows:
        key = (r["db"], r["case"].split(" (")[0])
        smallest.setdefault(key, r)
    for r in rows:
        key = (r["db"], r["case"].split(" (")[0])
        base = smallest[key]
        scale = r["ours_ms"] / base["ours_ms"]
        scale_cell = "" if base is r else f"{scale:.2f} {mark(scale <= LIST_SCALE)}"
        queries_ok = max(r["queries"], r["viewer_queries"]) <= LIST_QUERIES
        lines.append(
            f"| {r['db']} | {r['size']:,} | {r['case']} | {r['ours_ms']:.1f} | "
            f"{r['baseline_ms']:.1f} | {r['ratio']:.3f} {mark(r['ratio'] <= LIST_TARGET)} | "
            f"{r['queries']} / {r['viewer_queries']} / {r['baseline_queries']} "
            f"{mark(queries_ok)} | {scale_cell} |"
        )
    return [*lines, ""]


def sync_table(results: list[dict]) -> list[str]:
    rows = [r for r in results if r["bench"] == "sync"]
    if not rows:
        return []
    lines = [
        f"### Sync (targets: first ≤ {SYNC_FIRST}× baseline, re-sync ≤ {SYNC_RESYNC}× first, "
        f"peak RSS ≤ {SYNC_RSS} MB at 100k)",
        "",
        "| DB | Orders | First sync s | Baseline s | First ÷ baseline | Re-sync s | "
        "Re-sync ÷ first | Re-sync ÷ baseline | Peak RSS MB: first / re-sync / baseline | "
        "Queries: first / re-sync |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        rss = max(r["first_rss_mb"], r["resync_rss_mb"])
        rss_mark = f" {mark(rss <= SYNC_RSS)}" if r["size"] >= 100_000 else ""
        lines.append(
            f"| {r['db']} | {r['size']:,} | {r['first_s']:.2f} | {r['baseline_s']:.2f} | "
            f"{r['first_ratio']:.2f} {mark(r['first_ratio'] <= SYNC_FIRST)} | "
            f"{r['resync_s']:.2f} | {r['resync_ratio']:.2f} "
            f"{mark(r['resync_ratio'] <= SYNC_RESYNC)} | "
            f"{r['resync_s'] / r['baseline_s']:.2f} | "
            f"{r['first_rss_mb']:.0f} / {r['resync_rss_mb']:.0f} / "
            f"{r['baseline_rss_mb']:.0f}{rss_mark} | "
            f"{r['first_queries']} / {r['resync_queries']} |"
        )
    return [*lines, ""]


def delete_table(results: list[dict]) -> list[str]:
    rows = [r for r in results if r["bench"] == "delete"]
    if not rows:
        return []
    lines = [
        f"### Bulk delete (target: ≤ {DELETE_TARGET}× the bare loop; queries O(chunks))",
        "",
        "| DB | Orders | Added latency | Service s | Bare loop s | Ratio | Chunks | "
        "SQL queries (per chunk) | HTTP calls: list / delete |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['db']} | {r['orders']:,} | {r['latency_ms']} ms | {r['ours_s']:.2f} | "
            f"{r['baseline_s']:.2f} | {r['ratio']:.2f} {mark(r['ratio'] <= DELETE_TARGET)} | "
            f"{r['chunks']} | {r['queries']} ({r['queries'] / r['chunks']:.1f}) | "
            f"{r['calls']['list_pending_orders']} / {r['calls']['delete_pending_orders']} |"
        )
    return [*lines, ""]


def publish(results: list[dict], info: dict, seconds: float, argv: list[str]) -> None:
    command = " ".join(["make bench", *([f"BENCH_ARGS='{' '.join(argv)}'"] if argv else [])])
    if "postgresql" in info:
        command = f"DATABASE_URL=postgres://… {command}"
    lines = [
        START,
        f"Latest run: {info['date']}, `{command}`, {seconds / 60:.1f} min"
        f"{' (quick sizes)' if quick() else ''}.",
        "",
        "Machine: "
        + ", ".join(
            f"{key} {info[key]}"
            for key in ("nproc", "cpu", "os", "python", "django", "sqlite", "postgresql")
            if key in info
        )
        + ".",
        "",
        "```",
        "$ free -h",
        info["free -h"],
        "```",
        "",
        *list_table(results),
        *sync_table(results),
        *delete_table(results),
        END,
    ]
    text = README.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    README.write_text(pattern.sub(lambda _: "\n".join(lines), text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (or BENCH_QUICK=1)")
    parser.add_argument("--only", nargs="+", choices=["list", "sync", "delete"])
    parser.add_argument("--fresh", action="store_true", help="rebuild the list-view data")
    parser.add_argument("--no-publish", action="store_true", help="leave bench/README.md alone")
    args = parser.parse_args()
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url and not database_url.startswith("postgres"):
        database_url = ""  # an SQLite DATABASE_URL: the scripts use their own files
    if database_url:
        check_database_url(database_url)
    servers = [""] + ([database_url] if database_url else [])
    only = args.only or ["list", "sync", "delete"]
    list_sizes = [10_000, 100_000] if quick() else [100_000, 1_000_000]

    started = time.monotonic()
    results = []
    for server in servers:
        db = ["--database-url", server] if server else []
        if "list" in only:
            for size in list_sizes:
                extra = ["--fresh"] if args.fresh else []
                results += run("list_view", "--size", str(size), *db, *extra)
        if "sync" in only:
            results += run("sync", *db)
        if "delete" in only:
            results += run("delete", *db)
    seconds = time.monotonic() - started

    RESULTS.mkdir(parents=True, exist_ok=True)
    info = machine(database_url)
    # latest.json always matches the tables in bench/README.md.
    out = RESULTS / ("unpublished.json" if args.no_publish else "latest.json")
    out.write_text(json.dumps({"machine": info, "seconds": seconds, "results": results}, indent=2))
    argv = [a for a in sys.argv[1:] if a != "--no-publish"]
    if not args.no_publish:
        publish(results, info, seconds, argv)
    print(f"bench: done in {seconds / 60:.1f} min; results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
