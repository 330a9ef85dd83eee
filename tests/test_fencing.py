"""Fenced runs: a worker paused mid-run, whose deletion was requeued to another worker
meanwhile, sends and writes nothing more when it wakes (RunFence, BulkDeletion.run_attempt).

The bug this guards against: worker A paused (SIGSTOP, a long GC) until its heartbeat looked
stale; `deletions --requeue` handed the run to worker B, which verified A's in-flight chunk
and carried on; A then woke and sent its remaining chunks from its own list a second time.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.finerworks.client import FinerWorksClient
from orders.models import BulkDeletion, BulkDeletionItem, FinerWorksCall, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.helpers import DELETE, mirror, sent_ids

pytestmark = pytest.mark.django_db(transaction=True)
Outcome = BulkDeletionItem.Outcome
State = BulkDeletion.State
WAIT = 15  # seconds: the longest any single step may take before the test gives up


def _confirmed_deletion(fw, deleter, n, seed):
    orders = mirror(fw, n, seed=seed)
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    )
    assert bulk_deletion_confirm(deletion=deletion, user=deleter)
    return deletion, [o.fulfillment_id for o in orders]


def _make_heartbeat_stale(deletion):
    stale = timezone.now() - timedelta(minutes=10)
    assert BulkDeletion.objects.filter(pk=deletion.pk, state=State.RUNNING).update(
        heartbeat_at=stale
    )


def _everything_written(deletion):
    """What a run can write, to show a woken worker changed none of it."""
    return {
        "deletion": BulkDeletion.objects.filter(pk=deletion.pk).values().get(),
        "items": sorted(deletion.items.values_list("pk", "outcome", "note")),
        "orders": sorted(
            PendingOrder.objects.values_list(
                "pk", "state", "claimed_by_id", "deleted_by_deletion_id", "state_changed_at"
            )
        ),
        "calls": sorted(FinerWorksCall.objects.values_list("pk", flat=True)),
    }


def _assert_deleted_once_and_verified(fw, deletion, fids):
    sent = sent_ids(fw)
    assert len(sent) == len(set(sent)), f"ids sent more than once: {sent}"
    assert set(sent) == set(fids)
    assert not set(fids) & fw.listed_ids()
    deletion.refresh_from_db()
    assert deletion.state == State.FINISHED, deletion.error_message
    assert deletion.error_message == ""
    assert set(deletion.items.values_list("outcome", flat=True)) == {Outcome.DELETED}
    deleted = PendingOrder.objects.filter(fulfillment_id__in=fids, state="deleted")
    assert deleted.count() == len(fids)
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


def test_a_paused_worker_superseded_by_a_requeue_sends_nothing_more(
    fw, deleter, owner_account, settings, monkeypatch
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    deletion, fids = _confirmed_deletion(fw, deleter, 10, seed=31)
    paused, release = threading.Event(), threading.Event()
    real_delete = FinerWorksClient.delete_pending_orders
    result, errors = {}, []

    def delete_then_pause(self, ids, account_key=None):
        response = real_delete(self, ids, account_key=account_key)
        if threading.current_thread() is worker_a and not paused.is_set():
            # Worker A freezes right after its first chunk was answered (and audited).
            paused.set()
            assert release.wait(WAIT), "the test never released worker A"
        return response

    monkeypatch.setattr(FinerWorksClient, "delete_pending_orders", delete_then_pause)

    def run_a():
        try:
            run = BulkDeletion.objects.get(pk=deletion.pk)
            result["totals"] = bulk_deletion_run(deletion=run, acting_user=deleter)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    worker_a = threading.Thread(target=run_a, name="worker-a")
    worker_a.start()
    try:
        assert paused.wait(WAIT), f"worker A never sent a chunk: {errors}"
        [first_chunk] = [r["body"]["ids"] for r in fw.requests_for(DELETE)]
        assert BulkDeletion.objects.get(pk=deletion.pk).run_attempt == 1

        # A shows no sign of life for longer than STUCK_AFTER: staff hand it to worker B,
        # which the immediate task backend runs inline, to the end.
        _make_heartbeat_stale(deletion)
        call_command("deletions", requeue=deletion.pk)

        after_b = _everything_written(deletion)
        assert after_b["deletion"]["state"] == State.FINISHED
        assert after_b["deletion"]["run_attempt"] == 2
        # B verified A's chunk by re-listing instead of resending it, then sent the rest.
        assert sent_ids(fw)[:2] == first_chunk and sorted(sent_ids(fw)) == sorted(fids)
        requests_after_b = len(fw.requests)
    finally:
        release.set()
        worker_a.join(WAIT)
    assert not worker_a.is_alive(), "worker A did not stop"

    assert errors == []
    _assert_deleted_once_and_verified(fw, deletion, fids)
    assert len(fw.requests) == requests_after_b, "worker A called FinerWorks after waking"
    assert _everything_written(deletion) == after_b, "worker A wrote after being superseded"
    assert result["totals"].by_outcome == {Outcome.DELETED: 10}


# --------------------------------------------------------------------- two worker processes


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
    env = _worker_env(fw)
    logs = {}
    processes = []

    def start(name, *args):
        logs[name] = tmp_path / f"{name}.log"
        with logs[name].open("w") as log:
            process = subprocess.Popen(
                _manage(*args), env=env, cwd=django_settings.BASE_DIR, stdout=log, stderr=log
            )
        processes.append(process)
        return process

    def output():
        return "\n".join(f"--- {name}\n{path.read_text()}" for name, path in logs.items())

    def finish(process, name):
        try:
            code = process.wait(WAIT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{name} did not exit\n{output()}") from None
        assert code == 0, f"{name} exited with {code}\n{output()}"

    try:
        # The confirmed (queued) deletion's task goes into the database queue, as the
        # dashboard's confirmation does in production.
        finish(start("enqueue", "deletions", "--requeue", str(deletion.pk)), "enqueue")
        worker_a = start("worker-a", *_db_worker("worker-a"))
        _wait_until(lambda: fw.requests_for(DELETE) or worker_a.poll() is not None, "A's delete")
        os.kill(worker_a.pid, signal.SIGSTOP)  # A waits for the answer to its first chunk
        assert worker_a.poll() is None, output()
        time.sleep(0.5)  # the sandbox answers (and applies) the chunk A sent meanwhile
        [first_chunk] = [r["body"]["ids"] for r in fw.requests_for(DELETE)]
        assert len(first_chunk) == 2
        assert BulkDeletion.objects.get(pk=deletion.pk).run_attempt == 1
        assert _tasks() == [(["worker-a"], "RUNNING")]

        _make_heartbeat_stale(deletion)
        finish(start("requeue", "deletions", "--requeue", str(deletion.pk)), "requeue")
        finish(start("worker-b", *_db_worker("worker-b")), "worker B")
        after_b = _everything_written(deletion)
        assert after_b["deletion"]["state"] == State.FINISHED, output()
        assert after_b["deletion"]["run_attempt"] == 2
        requests_after_b = len(fw.requests)

        os.kill(worker_a.pid, signal.SIGCONT)
        finish(worker_a, "worker A")
        assert _tasks() == [(["worker-a"], "SUCCESSFUL"), (["worker-b"], "SUCCESSFUL")], output()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()  # SIGKILL ends a stopped process too
                process.wait(5)

    _assert_deleted_once_and_verified(fw, deletion, fids)
    assert len(fw.requests) == requests_after_b, "worker A called FinerWorks after waking"
    written = _everything_written(deletion)
    # The one write A makes on waking is the audit row of the call it had in flight.
    calls_before, calls = after_b.pop("calls"), written.pop("calls")
    assert calls[: len(calls_before)] == calls_before
    late = FinerWorksCall.objects.filter(pk__in=calls[len(calls_before) :])
    assert list(late.values_list("endpoint", "request_payload__ids")) == [(DELETE, first_chunk)]
    assert written == after_b, "worker A wrote after being superseded"


def test_a_superseded_worker_does_not_retry_a_delete_that_failed_to_connect(
    fw, deleter, owner_account, monkeypatch
):
    """Worker A's first connect fails and, before its automatic retry, a requeue hands the
    deletion to another run: A's retry must not go out."""
    import requests

    orders = mirror(fw, 2, seed=7)
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    real_send = requests.Session.send
    refused = []

    def refuse_once_then_supersede(self, request, **kwargs):
        if request.url.endswith("/delete_pending_orders") and not refused:
            refused.append(request.url)
            BulkDeletion.objects.filter(pk=deletion.pk).update(run_attempt=99)  # a newer run
            raise requests.exceptions.ConnectTimeout("connect timed out")
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", refuse_once_then_supersede)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert fw.requests_for(DELETE) == []
    assert fw.listed_ids() == {o.fulfillment_id for o in orders}
    refused = FinerWorksCall.objects.filter(bulk_deletion=deletion, purpose="delete")
    assert [c.outcome for c in refused] == ["connection_failed"]  # one attempt, no retry
