"""Plumbing shared by the bench scripts: their common options, Django on a dedicated
database, a loopback-only network guard, medians after a warm-up, query counts, result
lines for bench/run.py, and the machine."""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import secrets
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"  # git-ignored: data files and raw results
DATA = RESULTS / "data"
RESULT_PREFIX = "BENCH-RESULT "


def quick() -> bool:
    """Smaller sizes (BENCH_QUICK=1 or --quick): a smoke run, not figures to publish."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0", "false")


# ---------------------------------------------------------------------------- options


def bench_parser(doc: str, size: str | None = None, **size_options) -> argparse.ArgumentParser:
    """A script's parser: its size option (an int; none for load), then --database-url."""
    parser = argparse.ArgumentParser(description=doc)
    if size:
        parser.add_argument(size, type=int, **size_options)
    parser.add_argument("--database-url", default="", help="PostgreSQL server; else SQLite")
    return parser


def add_repeat(parser: argparse.ArgumentParser, default: int | None) -> None:
    parser.add_argument("--repeat", type=int, default=default)


# ---------------------------------------------------------------------------- network


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host).strip("[]").lower().split("%")[0]
    if name in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def loopback_only() -> None:
    """Refuse any Python-level connection or name lookup that is not loopback."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise ConnectionRefusedError(f"bench scripts only talk to loopback, not {address!r}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host):
            raise OSError(f"bench scripts only resolve loopback names, not {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.getaddrinfo = getaddrinfo


def check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres") and parts.hostname and not _is_loopback(parts.hostname):
        raise SystemExit(f"bench: refusing a non-loopback database host {parts.hostname!r}")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def postgres_url(base_url: str, database: str) -> str:
    """The same server and role as DATABASE_URL, another database."""
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


def postgres_drop_database(conn, database: str) -> None:
    """DROP DATABASE ... WITH (FORCE), waiting out an autovacuum worker on it (a role
    that may create databases still may not terminate the superuser's processes)."""
    import psycopg

    for attempt in range(50):
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == 49:
                raise
            time.sleep(0.2)


def postgres_create_database(
    base_url: str, database: str, *, drop: bool = False, template: str | None = None
) -> None:
    import psycopg

    check_database_url(base_url)
    with psycopg.connect(base_url, autocommit=True) as conn:
        if drop:
            postgres_drop_database(conn, database)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{database}"{suffix}')


# ---------------------------------------------------------------------------- django


def setup_django(database_url: str) -> None:
    """Configure the real settings (DEBUG off) on the given database and start Django."""
    check_database_url(database_url)
    loopback_only()
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["FWADMIN_ENV_FILE"] = ""  # a developer's .env (make run's demo) is not read
    # A throwaway key per run: nothing signed by a benchmark outlives it.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()


def migrate_quietly() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def quiet_orders_log() -> None:
    """No per-call log lines from the product while it is timed."""
    logging.getLogger("orders").setLevel(logging.WARNING)


def schema_version() -> str:
    """Changes whenever a migration of the app is added or edited."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "orders" / "migrations").glob("0*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------------------- timing


def timed(fn: Callable[[], object], *, warmup: int = 1, repeat: int = 7) -> list[float]:
    """Wall-clock seconds of `repeat` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


class QueryCounter:
    """A database execute wrapper that counts the queries it sees (in `n`)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def emit(**result) -> None:
    """One result line for bench/run.py (the rest of stdout is progress for humans)."""
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def parse_result(line: str) -> dict | None:
    """The result of a line that emit() printed, else None."""
    if line.startswith(RESULT_PREFIX):
        return json.loads(line[len(RESULT_PREFIX) :])
    return None


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
