"""Fenced runs (RunFence, BulkDeletion.run_attempt), with worker A a thread of the test: A,
paused mid-run while its deletion was requeued to worker B, sends and writes nothing more when
it wakes, and a superseded A does not retry a delete that failed to connect. The bug this
guards against: A paused (SIGSTOP, a long GC) until its heartbeat looked stale; `deletions
--requeue` handed the run to B, which verified A's in-flight chunk and carried on; A then woke
and sent its remaining chunks from its own list a second time."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from orders.finerworks.client import FinerWorksClient
from orders.models import BulkDeletion, FinerWorksCall, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.fencing_helpers import (
    WAIT,
    Outcome,
    State,
    _assert_deleted_once_and_verified,
    _confirmed_deletion,
    _everything_written,
    _make_heartbeat_stale,
)
from tests.helpers import DELETE, mirror, sent_ids

pytestmark = pytest.mark.django_db(transaction=True)


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
