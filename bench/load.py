"""Load: 20 logged-in staff browsing the dashboard under gunicorn, idle and while a deletion
and back-to-back syncs run.

    python -m bench.load [--database-url URL] [--seconds 60 | --quick] [--fresh]

The FinerWorks sandbox (this process, 127.0.0.1, 50 ms latency) holds 100k owner orders and
2 delegated accounts x 20k; a database mirrors them (bench/_load_setup.py). gunicorn (3
workers, the production settings behind a TLS proxy that locust plays) and one db_worker
serve it. Two bounded locust runs (bench/locustfile.py, no think time): idle, then busy: a
10k-order deletion (confirmed and queued for the db_worker as the dashboard does) and
`sync_pending_orders` in a loop. Client figures from locust, server figures from the access
log. Targets: no error, busy >= 80 % of idle throughput, server p95 <= 150 ms per page type.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

from bench import _load_report as report
from bench import _load_setup as setup
from bench._common import DATA, ROOT, bench_parser, emit, log, quick, setup_django
from bench._load_busy import Busy

PROXY = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front of gunicorn says


class Processes:
    """Every child of the run, each stopped (by its own pid) when the block ends."""

    def __init__(self):
        self.running: list[subprocess.Popen] = []
        self.lock = threading.Lock()  # the sync loop starts processes from its thread
        self.closed = False

    def start(self, command: list[str], env: dict, log_name: str) -> subprocess.Popen:
        with self.lock, open(DATA / log_name, "a") as out:
            if self.closed:
                raise RuntimeError("bench: the run is over; no more processes")
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
            self.running.append(process)
        return process

    def manage(self, env: dict, *args: str, log_name: str) -> subprocess.Popen:
        return self.start([sys.executable, "manage.py", *args], env, log_name)

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        with self.lock:
            self.closed = True
        for process in reversed(self.running):
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(procs: Processes, env: dict, workers: int) -> str:
    """gunicorn (access log with the request time in microseconds) and one db_worker."""
    port = free_port()
    (DATA / "load-access.log").unlink(missing_ok=True)
    command = [sys.executable, "-m", "gunicorn", "fwadmin.wsgi", "-w", str(workers)]
    command += ["-b", f"127.0.0.1:{port}", "--access-logfile", str(DATA / "load-access.log")]
    command += ["--access-logformat", report.ACCESS_FORMAT]
    server = procs.start(command, env, "load-gunicorn.log")
    procs.manage(env, "db_worker", "--no-startup-delay", log_name="load-worker.log")
    host = f"http://127.0.0.1:{port}"
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit("bench: gunicorn exited; see load-gunicorn.log")
        try:
            login = requests.get(f"{host}/accounts/login/", headers=PROXY, timeout=5)
            if login.status_code == 200:
                return host
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit("bench: gunicorn did not answer")


def locust(procs: Processes, env: dict, phase: str, host: str, args, busy: Busy | None):
    prefix, marker = DATA / f"load-{phase}", DATA / f"load-{phase}.started"
    for path in (marker, DATA / f"load-{phase}_stats.csv"):
        path.unlink(missing_ok=True)
    env = {**env, "BENCH_LOAD_PHASE": phase, "BENCH_LOAD_MARKER": str(marker)}
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
    command += ["--headless", "-u", str(args.users), "-r", str(args.users), "--only-summary"]
    command += ["-t", f"{args.seconds + 120}s", "--host", host, "--csv", str(prefix)]
    process = procs.start(command, env, f"load-{phase}-locust.log")
    deadline = time.monotonic() + args.seconds + 150
    while process.poll() is None and time.monotonic() < deadline:
        if busy and marker.exists() and busy.queued is None:
            busy.start()  # at the start of the measured run
        if busy:
            busy.tick()
        time.sleep(0.5)
    if process.poll() is None or not marker.exists():
        raise SystemExit(f"bench: locust ({phase}) did not run; see load-{phase}-locust.log")
    logins = json.loads(marker.read_text())
    return report.locust_stats(prefix), logins


def parse_args():
    parser = bench_parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="15 s phases (or BENCH_QUICK=1)")
    parser.add_argument("--seconds", type=int, default=None, help="per phase (default 60)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--delegated", type=int, default=20_000, help="orders per account")
    parser.add_argument("--delete", type=int, default=10_000)
    parser.add_argument("--latency", type=int, default=50, help="sandbox latency, ms")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    args = parser.parse_args()
    args.seconds = args.seconds or (15 if args.quick or quick() else 60)
    return args


def database_ready(db: setup.Database, env: dict, args) -> None:
    """The mirror restored from its template, or built (and saved) when there is none."""
    if db.cached() and not args.fresh:
        log("  restoring the database from its template")
        db.restore()
    else:
        setup.build(db, env, args.users)


def locust_env(env: dict, args) -> dict:
    """What the locust users get: what to ask for and a fresh password."""
    targets = DATA / "load-targets.json"
    setup.targets(targets, args.users)
    return {
        **env,
        "BENCH_LOAD_USERS": str(args.users),
        "BENCH_LOAD_SECONDS": str(args.seconds),
        "BENCH_LOAD_TARGETS": str(targets),
        "BENCH_LOAD_PASSWORD": setup.passwords_set(args.users),
    }


def phase_run(procs: Processes, env: dict, users_env: dict, host: str, args, phase: str):
    """One locust run (the busy phase with its deletion and syncs); its result rows."""
    from django.db import connection

    busy = Busy(procs, env, args.delete) if phase == "busy" else None
    cpu = time.process_time()  # this process: mostly the sandbox's answers
    client, logins = locust(procs, users_env, phase, host, args, busy)
    extra = {**logins, "seconds": args.seconds, "latency_ms": args.latency}
    extra["sandbox_cpu_s"] = time.process_time() - cpu
    extra["loadavg_1m"] = os.getloadavg()[0]  # the machine's, this run included
    if busy:
        extra.update(busy.finish(timeout=600))
    server = report.server_stats(DATA / "load-access.log", phase)
    return report.phase_rows(connection.vendor, phase, client, server, extra)


def run(db: setup.Database, args) -> list[dict]:
    """The sandbox, the database, gunicorn and its worker; then both phases."""
    from django.db import connection

    from orders.finerworks.sandbox import Sandbox

    with Sandbox() as sandbox, Processes() as procs:
        log(f"load, {connection.vendor}: sandbox {sandbox.base_url}, seeding")
        setup.sandbox_fill(sandbox, args.orders, args.delegated)
        env = setup.child_env(db.url, sandbox.base_url)
        database_ready(db, env, args)
        users_env = locust_env(env, args)
        setup.manage(env, "collectstatic", "--noinput", "-v0")
        sandbox.set_latency(args.latency)
        host = serve(procs, env, args.workers)
        log(f"  gunicorn {host}, {args.workers} workers; {args.seconds} s per phase")
        rows = []
        for phase in ("idle", "busy"):
            rows += phase_run(procs, env, users_env, host, args, phase)
    return rows


def main() -> None:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so every child is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench: terminated"))

    DATA.mkdir(parents=True, exist_ok=True)
    for old in DATA.glob("load-*.log"):
        old.unlink()
    db = setup.Database(args.database_url, args.orders, args.delegated, args.users)
    setup_django(db.url)
    rows = run(db, args)
    for row in rows:
        emit(**row)
    for line in [*report.table(rows), "", *report.notes(rows), *report.verdicts(rows)]:
        log(line)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
