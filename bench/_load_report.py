"""Figures of bench/load.py: page types (shared with bench/locustfile.py), locust's client
figures, the server's from gunicorn's access log, the table, notes on the busy phase and
the machine, and the targets."""

from __future__ import annotations

import csv
import math
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PAGES = ["list", "deep page", "search", "filter", "all states", "detail", "deletions", "audit"]
DETAIL = re.compile(r"/orders/\d+/")
CURSOR = {"page", "after", "before", "last"}
# Tab-separated: status, microseconds, method, path, query, the X-Bench-Phase header.
ACCESS_FORMAT = "\t".join(["%(s)s", "%(D)s", "%(m)s", "%(U)s", "%(q)s", "%({x-bench-phase}i)s"])
TARGET_RATIO, TARGET_P95_MS = 0.8, 150


def page_type(method: str, url: str) -> str:
    parts = urlsplit(url)
    path, params = parts.path, parse_qs(parts.query)
    if path.startswith("/accounts/"):
        return "login"
    if path in ("/orders/deletions/", "/orders/audit/"):
        return path.split("/")[2]
    if DETAIL.fullmatch(path):
        return "detail"
    if path != "/orders/" or method != "GET":
        return "other"
    if "q" in params:
        return "search"
    if "source" in params:
        return "filter"
    if params.get("state") == ["all"]:
        return "all states"
    return "deep page" if CURSOR & set(params) else "list"


def percentile(values: list[float], p: float) -> float:
    """Nearest rank, like locust's."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # "N/A": no request of that name
        return math.nan


def locust_stats(prefix: Path) -> dict[str, dict]:
    """Name -> requests, failures, req/s, p50/p95/p99 ms, from locust's PREFIX_stats.csv."""
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as file:
        for row in csv.DictReader(file):
            name = "all" if row["Name"] == "Aggregated" else row["Name"]
            stats[name] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                **{f"p{p}": _number(row[f"{p}%"]) for p in (50, 95, 99)},
            }
    return stats


def server_stats(access_log: Path, phase: str) -> dict[str, dict]:
    """Page type -> requests, errors (not 2xx/3xx), p50/p95/p99 ms of the phase's requests."""
    times: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for line in access_log.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) != 6 or fields[5] != phase:
            continue
        status, micros, method, path, query, _ = fields
        name = page_type(method, f"{path}?{query}" if query else path)
        for key in (name, "all"):
            times.setdefault(key, []).append(int(micros) / 1000)
            errors[key] = errors.get(key, 0) + (not 200 <= int(status) < 400)
    return {
        name: {
            "requests": len(values),
            "errors": errors[name],
            **{f"p{p}": percentile(values, p) for p in (50, 95, 99)},
        }
        for name, values in times.items()
    }


def phase_rows(db: str, phase: str, client: dict, server: dict, extra: dict) -> list[dict]:
    """One result per page type and one for the whole phase ("all")."""
    rows = []
    for page in [*PAGES, "all"]:
        ours, theirs = client.get(page, {}), server.get(page, {})
        row = {"bench": "load", "db": db, "phase": phase, "page": page}
        row["requests"] = ours.get("requests", 0)
        row["failures"] = ours.get("failures", 0)
        row["rps"] = ours.get("rps", 0.0)
        for p in (50, 95, 99):
            row[f"client_p{p}_ms"] = ours.get(f"p{p}", math.nan)
            row[f"server_p{p}_ms"] = theirs.get(f"p{p}", math.nan)
        row["server_requests"] = theirs.get("requests", 0)
        row["server_errors"] = theirs.get("errors", 0)
        row = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        rows.append({**row, **extra} if page == "all" else row)
    return rows


def mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _ms(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| DB | Phase | Page | Requests | req/s | Errors | Client p50 / p95 / p99 ms | "
        "Server p50 / p95 / p99 ms |",
        "|---|---|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        client = " / ".join(_ms(r[f"client_p{p}_ms"], 0) for p in (50, 95, 99))
        server = " / ".join(_ms(r[f"server_p{p}_ms"], 1) for p in (50, 95, 99))
        errors = r["failures"] + r["server_errors"]
        lines.append(
            f"| {r['db']} | {r['phase']} | {r['page']} | {r['requests']:,} | {r['rps']:.1f} | "
            f"{errors} | {client} | {server} |"
        )
    return lines


def notes(rows: list[dict]) -> list[str]:
    """The busy phase's deletion and syncs, and what the machine was doing."""
    totals = [r for r in rows if r["page"] == "all"]
    busy = totals[-1]
    seconds = busy["deletion_s"]
    took = "did not end" if seconds is None else f"{seconds:.1f} s from queueing to the end"
    over = " (outlasted the busy phase)" if busy["deletion_outlasted_phase"] else ""
    syncs, cpu = busy["sync_s"], busy["sync_cpu_s"]
    mean = ""
    if syncs:
        mean = f", {sum(syncs) / len(syncs):.1f} s each ({sum(cpu) / len(cpu):.1f} s of CPU)"
    return [
        f"deletion of {busy['deletion_orders']:,} orders: {took}{over}, state "
        f"{busy['deletion_state']}, {busy['deletion_deleted']:,} deleted",
        f"syncs during the busy phase: {busy['syncs']} completed{mean}, "
        f"{busy['syncs_failed']} failed",
        *(
            f"{r['phase']}: this script (the sandbox) used {r['sandbox_cpu_s']:.1f} s of CPU; "
            f"load average {r['loadavg_1m']:.2f} on {os.cpu_count()} CPUs at the end"
            for r in totals
        ),
    ]


def verdicts(rows: list[dict]) -> list[str]:
    """The targets: no error, busy throughput >= 80 % of idle, server p95 <= 150 ms."""
    totals = {r["phase"]: r for r in rows if r["page"] == "all"}
    errors = sum(
        r["failures"] + r["server_errors"] + r.get("login_failures", 0) for r in totals.values()
    )
    busy, idle = totals["busy"]["rps"], totals["idle"]["rps"]
    ratio = busy / idle if idle else 0.0
    slow = [
        f"{r['phase']} {r['page']} {_ms(r['server_p95_ms'], 0)} ms"
        for r in rows
        if r["page"] != "all" and not (r["server_p95_ms"] or math.inf) <= TARGET_P95_MS
    ]
    return [
        f"{mark(errors == 0)} errors: {errors} (target 0)",
        f"{mark(ratio >= TARGET_RATIO)} busy ÷ idle throughput: {ratio:.2f} "
        f"({busy:.1f} ÷ {idle:.1f} req/s; target ≥ {TARGET_RATIO})",
        f"{mark(not slow)} server p95 ≤ {TARGET_P95_MS} ms for every page type"
        + (f"; over: {', '.join(slow)}" if slow else ""),
    ]
