"""Refresh as background work: the request queues a sync and returns at once, a worker runs
it, a second Refresh joins it, and the list header says how each account's sync stands."""

import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import FinerWorksCall, PendingOrder, SyncRun, WorkerBeat
from orders.services import sync_runs_execute, sync_runs_request

LIST = reverse("orders:list")
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def db_queue(settings):
    """Tasks go to the database queue, as in production: nothing runs until a worker does."""
    settings.TASKS = DB_QUEUE


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_refresh_answers_at_once_with_finerworks_slow_and_the_worker_then_syncs(
    client, viewer, fw, owner_account, db_queue
):
    fw.seed(3, seed=4)
    fw.set_latency(5000)
    client.force_login(viewer)

    started = time.monotonic()
    answer = client.post(reverse("orders:refresh"), {"query": "state=all&q=PO"})
    took = time.monotonic() - started

    assert took < 0.5  # the request did not wait on FinerWorks' 5 s
    assert answer.status_code == HTTPStatus.FOUND
    assert answer.url == f"{LIST}?state=all&q=PO"  # back to the list with its filters
    assert not fw.requests_for("list_pending_orders")
    page = client.get(answer.url).content.decode()
    assert "Waiting for a worker" in page and "Syncing in the background" in page

    fw.set_latency(0)
    run_worker()

    assert PendingOrder.objects.count() == 3
    run = SyncRun.objects.get()
    assert (run.state, run.listed, run.requested_by) == ("done", 3, viewer)
    assert "3 new" in run.summary
    assert FinerWorksCall.objects.filter(endpoint="list_pending_orders").count() == 1
    assert "Synced" in client.get(LIST).content.decode()


def test_a_second_refresh_joins_the_live_sync(
    client, viewer, owner_account, db_queue, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:refresh"))
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("orders:refresh"), follow=True)

    assert SyncRun.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert "already under way" in again.content.decode()


def test_a_viewers_refresh_asks_only_for_the_accounts_they_may_see(
    client, viewer, owner_account, delegated_account, db_queue
):
    client.force_login(viewer)
    client.post(reverse("orders:refresh"))
    assert list(SyncRun.objects.values_list("account__name", flat=True)) == [owner_account.name]
    page = client.get(LIST).content.decode()
    assert delegated_account.name not in page


def test_a_grant_revoked_before_the_worker_runs_syncs_nothing(
    client, viewer, fw, delegated_account, grant, db_queue
):
    the_grant = grant(viewer, delegated_account)
    [run], _ = sync_runs_request(accounts=[delegated_account], user=viewer)
    the_grant.delete()

    sync_runs_execute([run.pk])

    run.refresh_from_db()
    assert run.state == "failed" and "may no longer see" in run.summary
    assert not fw.requests_for("list_pending_orders")
    refusal = FinerWorksCall.objects.get()  # the refusal is in the audit, like any other
    assert (refusal.outcome, refusal.account) == ("refused", delegated_account)


def test_a_silent_run_is_replaced_rather_than_joined_forever(viewer, owner_account, db_queue):
    [stuck], _ = sync_runs_request(accounts=[owner_account], user=viewer)
    long_ago = timezone.now() - timedelta(minutes=11)
    SyncRun.objects.filter(pk=stuck.pk).update(
        state="listing", created_at=long_ago, heartbeat_at=long_ago
    )

    [fresh], created = sync_runs_request(accounts=[owner_account], user=viewer)

    assert created == [fresh] and fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.state == "failed" and "No sign of the worker" in stuck.summary


def header(client) -> str:
    rows = client.get(reverse("orders:sync_status")).json()["accounts"]
    return " ".join(f"{row['account']}: {row['text']}" for row in rows)


@pytest.mark.parametrize(
    "state, fields, words",
    [
        ("queued", {}, "Waiting for a worker"),
        ("listing", {}, "Listing at FinerWorks"),
        ("applying", {"listed": 1200}, "comparing the 1,200 listed orders"),
        ("applying", {"listed": 1200, "to_write": 40}, "40 changes to write (1,200 orders"),
        ("done", {"summary": "Own account: 3 new, 0 changed"}, "Synced"),
        ("failed", {"summary": "Own account: sync failed. HTTP 500"}, "Sync failed"),
    ],
)
def test_the_header_says_how_each_sync_stands_in_the_page_and_its_poll(
    client, viewer, owner_account, state, fields, words
):
    now = timezone.now()
    SyncRun.objects.create(
        account=owner_account, state=state, heartbeat_at=now, finished_at=now, **fields
    )
    client.force_login(viewer)

    assert words in header(client)
    assert words in client.get(LIST).content.decode()
    if "summary" in fields:
        assert fields["summary"] in header(client)


def test_a_sync_whose_worker_fell_silent_says_so(client, viewer, owner_account):
    three_minutes_ago = timezone.now() - timedelta(minutes=3)
    SyncRun.objects.create(
        account=owner_account,
        state="listing",
        created_at=three_minutes_ago,
        heartbeat_at=three_minutes_ago,
    )
    client.force_login(viewer)
    assert "no sign of the worker since" in header(client)
    assert "no sign of the worker since" in client.get(LIST).content.decode()


def test_the_admin_lists_the_syncs_of_the_users_accounts_only(
    client, viewer, owner_account, delegated_account
):
    SyncRun.objects.create(account=owner_account, state="done", summary="own-sync-line")
    SyncRun.objects.create(account=delegated_account, state="done", summary="their-sync-line")
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_syncrun"))
    client.force_login(viewer)
    page = client.get(reverse("admin:orders_syncrun_changelist")).content.decode()
    assert "own-sync-line" in page and "their-sync-line" not in page


def test_a_quiet_sync_whose_worker_still_beats_is_not_taken_for_dead(client, viewer, owner_account):
    long_ago = timezone.now() - timedelta(minutes=12)
    run = SyncRun.objects.create(
        account=owner_account,
        state="applying",
        listed=10,
        created_at=long_ago,
        heartbeat_at=long_ago,
        worker_id="busy-worker",  # deep in a long write: its beat goes on
    )
    WorkerBeat.objects.create(worker_id="busy-worker", seen_at=timezone.now())
    client.force_login(viewer)
    assert "no sign of the worker" not in header(client)
    [joined], created = sync_runs_request(accounts=[owner_account], user=viewer)
    assert joined.pk == run.pk and not created


def test_refresh_on_a_fresh_install_creates_the_owner_account_and_queues_its_sync(
    client, viewer, db_queue
):
    client.force_login(viewer)
    page = client.post(reverse("orders:refresh"), follow=True).content.decode()
    assert "Syncing in the background" in page
    assert SyncRun.objects.get().account.is_owner
