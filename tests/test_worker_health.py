"""Long work in sight: the scheduled sync without cron, the workers' pulse, a deletion's
honest progress (chunks sent before anything is settled) and the Requeue button."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from orders.finerworks.client import FinerWorksClient
from orders.management.commands.db_worker import pulse_once
from orders.models import BulkDeletion, PendingOrder, SyncRun, SyncSchedule
from orders.services import (
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_progress,
    bulk_deletion_requeue,
    bulk_deletion_run,
)
from tests.factories import make_user
from tests.helpers import mirror

pytestmark = pytest.mark.django_db(transaction=True)  # the pulse queues on commit


def test_the_scheduled_sync_runs_without_any_command_and_two_workers_do_not_double_it(
    fw, owner_account, settings
):
    settings.FWADMIN_SYNC_EVERY_MINUTES = 10
    fw.seed(4, seed=3)

    pulse_once("worker-a")  # what every worker does every few seconds
    pulse_once("worker-b")  # a second worker, at the same moment

    assert PendingOrder.objects.count() == 4  # synced, and by the schedule
    assert list(SyncRun.objects.values_list("via", "state")) == [("schedule", "done")]
    assert len(fw.requests_for("list_pending_orders")) == 1

    SyncSchedule.objects.update(next_due_at=timezone.now() - timedelta(seconds=1))
    pulse_once("worker-b")
    assert SyncRun.objects.count() == 2  # the next slot, once due


def test_no_schedule_no_sync(fw, owner_account, settings):
    settings.FWADMIN_SYNC_EVERY_MINUTES = 0
    pulse_once("worker-a")
    assert not SyncRun.objects.exists()
    assert not fw.requests_for("list_pending_orders")


def test_the_list_says_when_no_worker_has_been_seen(client, viewer, owner_account):
    client.force_login(viewer)
    warning = "No background worker has been seen in the last minute"
    assert warning in client.get(reverse("orders:list")).content.decode()
    assert client.get(reverse("orders:sync_status")).json()["worker_running"] is False

    pulse_once("worker-a")

    assert client.get(reverse("orders:sync_status")).json()["worker_running"] is True
    page = client.get(reverse("orders:list")).content.decode()
    assert f'<p id="worker-status" class="msg msg-warning" hidden>{warning}' in page


def test_progress_counts_chunks_sent_before_any_order_is_settled(
    client, deleter, fw, owner_account, settings, monkeypatch
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=8)
    fw.set_latency(50)
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    )
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    client.force_login(deleter)
    seen = []
    send = FinerWorksClient.delete_pending_orders

    def watched(self, ids, **kwargs):  # what the progress poll answers as each chunk goes
        seen.append(client.get(reverse("orders:deletion_progress", args=[deletion.pk])).json())
        return send(self, ids, **kwargs)

    monkeypatch.setattr(FinerWorksClient, "delete_pending_orders", watched)
    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert [p["chunks_sent"] for p in seen] == [1, 2, 3]
    assert all(p["chunks_total"] == 3 and p["settled"] == 0 for p in seen)
    assert [p["phase"] for p in seen] == ["sending"] * 3
    assert seen[0]["percent"] < seen[1]["percent"] < seen[2]["percent"] < 100
    assert "3 of 3 delete calls sent" in seen[2]["text"]
    assert seen[-1]["state_label"] == "Running" and "Sending delete calls" in seen[-1]["text"]
    done = client.get(reverse("orders:deletion_progress", args=[deletion.pk])).json()
    assert (done["percent"], done["settled"], done["state"]) == (100, 6, "finished")


def stalled_deletion(fw, fw_client, deleter, minutes_silent):
    """A deletion whose worker died after sending its first chunk."""
    orders = mirror(fw, 4, seed=12)
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    )
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    first = orders[:2]
    fw_client.delete_pending_orders([o.fulfillment_id for o in first])  # the dead worker's
    deletion.items.filter(order__in=first).update(outcome="sending")
    silent = timezone.now() - timedelta(minutes=minutes_silent)
    BulkDeletion.objects.filter(pk=deletion.pk).update(
        state="running", started_at=silent, heartbeat_at=silent, run_attempt=1
    )
    return deletion, orders


def test_a_deletion_whose_worker_died_says_so_and_offers_requeue_with_the_permission(
    client, deleter, fw, fw_client, owner_account
):
    deletion, orders = stalled_deletion(fw, fw_client, deleter, minutes_silent=6)
    page_url = reverse("orders:deletion_detail", args=[deletion.pk])
    client.force_login(deleter)

    page = client.get(page_url).content.decode()
    assert "No sign of the worker since" in page
    assert "Requeue" not in page  # no orders.requeue_deletion
    refused = client.post(reverse("orders:deletion_requeue", args=[deletion.pk]))
    assert refused.status_code == 403

    operator = make_user(
        "operator", "orders.view_pendingorder", "orders.requeue_deletion", superuser=False
    )
    client.force_login(operator)
    assert "Requeue" in client.get(page_url).content.decode()
    fw.reset_requests()
    client.post(reverse("orders:deletion_requeue", args=[deletion.pk]))

    deletion.refresh_from_db()
    assert deletion.state == "finished"
    first_call = fw.requests[0]
    assert first_call["endpoint"] == "list_pending_orders"  # verified before anything is sent
    sent = [i for r in fw.requests_for("delete_pending_orders") for i in r["body"]["ids"]]
    assert sorted(sent) == sorted(o.fulfillment_id for o in orders[2:])  # never the first two
    assert set(deletion.items.values_list("outcome", flat=True)) == {"deleted"}


def test_a_deletion_silent_for_only_three_minutes_is_not_offered_for_requeue(
    client, fw, fw_client, deleter, owner_account
):
    deletion, _ = stalled_deletion(fw, fw_client, deleter, minutes_silent=3)
    superuser = make_user("root", superuser=True)
    client.force_login(superuser)
    page = client.get(reverse("orders:deletion_detail", args=[deletion.pk])).content.decode()
    assert "No sign of the worker since" in page
    assert "Requeue" not in page  # its worker may only be waiting on FinerWorks
    client.post(reverse("orders:deletion_requeue", args=[deletion.pk]))
    deletion.refresh_from_db()
    assert deletion.state == "running"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_sync_command_draws_a_bar_per_account_on_a_terminal_only(
    fw, owner_account, delegated_account
):
    fw.seed(30, seed=2)
    fw.seed(5, seed=3, account_key=delegated_account.account_key)
    terminal, summary = Terminal(), io.StringIO()
    call_command("sync_pending_orders", stderr=terminal, stdout=summary)
    drawn = terminal.getvalue()
    assert "Own account: writing" in drawn and "30/30" in drawn
    assert "Acme Prints: writing" in drawn and "5/5" in drawn
    assert "30 new" in summary.getvalue()  # the summary lines as before

    for quiet in ({"stderr": io.StringIO()}, {"stderr": Terminal(), "verbosity": 0}):
        call_command("sync_pending_orders", stdout=io.StringIO(), **quiet)
        assert quiet["stderr"].getvalue() == ""


def test_a_requeued_deletion_waits_from_now_and_one_with_nothing_open_keeps_its_result(
    client, fw, fw_client, deleter, owner_account
):
    deletion, _ = stalled_deletion(fw, fw_client, deleter, minutes_silent=6)
    bulk_deletion_requeue(deletion=deletion)
    deletion.refresh_from_db()
    assert deletion.state == "queued"
    client.force_login(deleter)
    page = client.get(reverse("orders:deletion_detail", args=[deletion.pk])).content.decode()
    assert 'id="progress-silent" class="msg msg-warning" hidden' in page  # not the dead run's

    BulkDeletion.objects.filter(pk=deletion.pk).update(state="failed", error_message="why")
    deletion.items.update(outcome="not_sent")
    with pytest.raises(ValidationError, match="nothing left to send or verify"):
        bulk_deletion_requeue(deletion=deletion)
    deletion.refresh_from_db()
    assert (deletion.state, deletion.error_message) == ("failed", "why")


def test_the_planned_delete_calls_follow_what_the_pre_flight_found(
    client, deleter, fw, fw_client, owner_account, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=9)
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    )
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    fw_client.delete_pending_orders([o.fulfillment_id for o in orders[:3]])  # gone meanwhile
    bulk_deletion_run(deletion=deletion, acting_user=deleter)
    deletion.refresh_from_db()
    progress = bulk_deletion_progress(deletion)
    assert (progress["chunks_sent"], progress["chunks_total"]) == (2, 2)  # not "2 of 3"
    assert "2 of 2 delete calls sent · Finished" in progress["text"]
