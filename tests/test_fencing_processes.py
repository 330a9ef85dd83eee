"""Fenced runs (RunFence, BulkDeletion.run_attempt) with two real worker processes taking
tasks off the database queue, as in production: worker A, stopped (SIGSTOP) while it waits on
its first chunk and resumed after `deletions --requeue` handed its deletion to worker B, sends
nothing more when it wakes and writes only the audit row of the call it had in flight, so no
chunk is sent a second time."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from orders.models import BulkDeletion, FinerWorksCall
from tests.fencing_helpers import (
    WAIT,
    State,
    _assert_deleted_once_and_verified,
    _confirmed_deletion,
    _everything_written,
    _make_heartbeat_stale,
)
from tests.helpers import DELETE

pytestmark = pytest.mark.django_db(transaction=True)


def _worker_env(fw):
    db = connection.settings_dict  # NAME is the (committed, transaction=True) test database
    database_url = "postgres://{}:{}@{}:{}/{}".format(
        quote(db["USER"], safe=""),
        quote(db["PASSWORD"], safe=""),
        db["HOST"] or "127.0.0.1",
        db["PORT"] or 5432,
        quote(db["NAME"], safe=""),
    )
    return {
        **os.environ,
        # The real settings, so tasks go through the database queue as in production.
        "DJANGO_SETTINGS_MODULE": "fwadmin.settings",
        "DJANGO_SECRET_KEY": "test-only-secret-key-not-used-anywhere-else",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url,
        "FINERWORKS_BASE_URL": fw.base_url,
        "FINERWORKS_WEB_API_KEY": fw.web_api_key,
        "FINERWORKS_APP_KEY": fw.app_key,
        "FINERWORKS_TIMEOUT": "5",
        "FINERWORKS_DELETE_BATCH_SIZE": "2",
        "PYTHONUNBUFFERED": "1",
    }


def _manage(*args):
    return [sys.executable, str(django_settings.BASE_DIR / "manage.py"), *args]


def _db_worker(worker_id):
    """One real worker: takes one task off the database queue, runs it, exits."""
    once = ("--batch", "--max-tasks", "1", "--no-startup-delay", "--no-reload")
    return ("db_worker", *once, "--worker-id", worker_id)


def _tasks():
    rows = DBTaskResult.objects.order_by("enqueued_at")
    return list(rows.values_list("worker_ids", "status"))


def _wait_until(condition, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class _Processes:
    """Management commands run as child processes, each logging to its own file; on leaving
    the `with` block, any still running (even stopped) is killed."""

    def __init__(self, env, log_dir):
        self.env, self.log_dir = env, log_dir
        self.logs = {}
        self.processes = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for process in self.processes:
            if process.poll() is None:
                process.kill()  # SIGKILL ends a stopped process too
                process.wait(5)

    def start(self, name, *args):
        self.logs[name] = self.log_dir / f"{name}.log"
        with self.logs[name].open("w") as log:
            process = subprocess.Popen(
                _manage(*args), env=self.env, cwd=django_settings.BASE_DIR, stdout=log, stderr=log
            )
        self.processes.append(process)
        return process

    def output(self):
        return "\n".join(f"--- {name}\n{path.read_text()}" for name, path in self.logs.items())

    def finish(self, process, name):
        try:
            code = process.wait(WAIT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{name} did not exit\n{self.output()}") from None
        assert code == 0, f"{name} exited with {code}\n{self.output()}"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="worker processes need a database shared with the test: the SQLite test "
    "database is in memory, private to this process",
)
def test_a_worker_process_stopped_and_resumed_after_a_requeue_sends_nothing_more(
    fw, deleter, owner_account, tmp_path
):
    deletion, fids = _confirmed_deletion(fw, deleter, 10, seed=32)
    fw.set_latency(300)  # each call takes a while: A is caught waiting on its first chunk
    with _Processes(_worker_env(fw), tmp_path) as procs:
        # The confirmed (queued) deletion's task goes into the database queue, as the
        # dashboard's confirmation does in production.
        procs.finish(procs.start("enqueue", "deletions", "--requeue", str(deletion.pk)), "enqueue")
        worker_a = procs.start("worker-a", *_db_worker("worker-a"))
        _wait_until(lambda: fw.requests_for(DELETE) or worker_a.poll() is not None, "A's delete")
        os.kill(worker_a.pid, signal.SIGSTOP)  # A waits for the answer to its first chunk
        assert worker_a.poll() is None, procs.output()
        time.sleep(0.5)  # the sandbox answers (and applies) the chunk A sent meanwhile
        [first_chunk] = [r["body"]["ids"] for r in fw.requests_for(DELETE)]
        assert len(first_chunk) == 2
        assert BulkDeletion.objects.get(pk=deletion.pk).run_attempt == 1
        assert _tasks() == [(["worker-a"], "RUNNING")]

        _make_heartbeat_stale(deletion)
        procs.finish(procs.start("requeue", "deletions", "--requeue", str(deletion.pk)), "requeue")
        procs.finish(procs.start("worker-b", *_db_worker("worker-b")), "worker B")
        after_b = _everything_written(deletion)
        assert after_b["deletion"]["state"] == State.FINISHED, procs.output()
        assert after_b["deletion"]["run_attempt"] == 2
        requests_after_b = len(fw.requests)

        os.kill(worker_a.pid, signal.SIGCONT)
        procs.finish(worker_a, "worker A")
        assert _tasks() == [(["worker-a"], "SUCCESSFUL"), (["worker-b"], "SUCCESSFUL")], (
            procs.output()
        )

    _assert_deleted_once_and_verified(fw, deletion, fids)
    assert len(fw.requests) == requests_after_b, "worker A called FinerWorks after waking"
    written = _everything_written(deletion)
    # The one write A makes on waking is the audit row of the call it had in flight.
    calls_before, calls = after_b.pop("calls"), written.pop("calls")
    assert calls[: len(calls_before)] == calls_before
    late = FinerWorksCall.objects.filter(pk__in=calls[len(calls_before) :])
    assert list(late.values_list("endpoint", "request_payload__ids")) == [(DELETE, first_chunk)]
    assert written == after_b, "worker A wrote after being superseded"
