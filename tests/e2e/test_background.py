"""Long work in a real browser: Refresh and the header that follows the sync, and a
deletion's progress moving through its phases in the server's own words."""

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.finerworks.client import FinerWorksClient
from orders.models import PendingOrder, SyncRun
from orders.services import (
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_progress,
    bulk_deletion_run,
)

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_refresh_returns_to_the_filtered_list_and_the_header_follows_the_sync(
    open_page, viewer, fw, owner_account
):
    fw.seed(3, seed=5)
    page = open_page(viewer)
    page.goto("/orders/?state=all&q=PO")
    expect(page.locator("#sync-status")).to_contain_text("never synced")

    page.get_by_role("button", name="Refresh from FinerWorks").click()

    # Back on the same filtered list; here tasks run at once, so the sync has ended.
    expect(page).to_have_url(f"{reverse('orders:list')}?state=all&q=PO")
    expect(page.locator("#sync-status")).to_contain_text("Synced")
    expect(page.locator("#sync-status")).to_contain_text("3 new")


def test_the_header_polls_a_running_sync_until_it_ends(open_page, viewer, owner_account):
    now = timezone.now()
    run = SyncRun.objects.create(
        account=owner_account, state="listing", started_at=now, heartbeat_at=now
    )
    page = open_page(viewer)
    page.goto("/orders/")
    line = page.locator("#sync-status li")
    expect(line).to_contain_text("Listing at FinerWorks")
    expect(page.locator("#sync-reload")).to_be_hidden()

    SyncRun.objects.filter(pk=run.pk).update(state="applying", listed=1200, to_write=40)
    expect(line).to_contain_text("40 changes to write (1,200 orders listed)")

    SyncRun.objects.filter(pk=run.pk).update(
        state="done", finished_at=timezone.now(), summary="Own account: 40 new, 1160 unchanged"
    )
    expect(line).to_contain_text("Synced")
    expect(page.get_by_role("link", name="reload the list")).to_be_visible()


def test_deletion_progress_moves_through_its_phases(
    open_page, deleter, fw, mirrored, settings, monkeypatch
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 1
    chosen = PendingOrder.objects.filter(pk__in=[o.pk for o in mirrored[:3]])
    deletion = bulk_deletion_create(user=deleter, orders=chosen, scope_description="by hand")
    bulk_deletion_confirm(deletion=deletion, user=deleter)  # queued, no worker yet
    # The page's polls get, one after the other, what the real run answered as it went.
    answers = [bulk_deletion_progress(deletion)]
    served = []

    def next_answer(route):
        served.append(answers[min(len(served), len(answers) - 1)])
        route.fulfill(json=served[-1])

    page = open_page(deleter)
    page.route("**/progress.json", next_answer)
    page.goto(f"/orders/deletions/{deletion.pk}/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Deletion #{deletion.pk}: Waiting for a worker")

    send = FinerWorksClient.delete_pending_orders

    def recorded(self, ids, **kwargs):
        deletion.refresh_from_db()
        answers.append(bulk_deletion_progress(deletion))
        return send(self, ids, **kwargs)

    monkeypatch.setattr(FinerWorksClient, "delete_pending_orders", recorded)
    bulk_deletion_run(deletion=deletion, acting_user=deleter)  # the worker
    deletion.refresh_from_db()
    answers.append(bulk_deletion_progress(deletion))

    expect(heading).to_have_text(f"Deletion #{deletion.pk}: Finished")  # then it reloads
    texts = [answer["text"] for answer in served]
    for sent in (1, 2, 3):
        assert f"0 of 3 orders settled · {sent} of 3 delete calls sent · Sending delete calls" in (
            texts
        )
    states = [answer["state"] for answer in served]
    assert states[-1] == "finished" and "running" in states
    assert states == sorted(states, key=["queued", "running", "finished"].index)
    expect(page.locator("#progress-text")).to_have_text(
        "3 of 3 orders settled · 3 of 3 delete calls sent · Finished"
    )
