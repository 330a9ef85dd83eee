"""The staff dashboard in a real browser: select, confirm and read the result.

Ticks, shift-click ranges, the page box and "all matching" select orders for a deletion that is
confirmed (with a typed count and a reason for a filter-wide one) and finishes with every
order's outcome and its audit; while a background run works, its progress is announced.
"""

import re

import pytest

from orders.models import BulkDeletion, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.e2e.dashboard_helpers import row_box

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

DELETE = "delete_pending_orders"


def test_ticks_shift_ranges_page_box_and_all_matching(open_page, deleter, fw, mirrored):
    # A short screen: compact rows make the page only a little taller than a laptop's.
    page = open_page(deleter, viewport={"width": 1280, "height": 560})
    page.goto("/orders/?sort=fulfillment_id")
    count = page.locator("#selected-count")
    bar = page.get_by_role("region", name="Selected orders")
    expect(bar).to_be_hidden()  # the bulk bar appears once something is ticked

    row_box(page, mirrored[0]).check()
    expect(bar.get_by_role("button", name="Delete at FinerWorks…")).to_be_enabled()
    expect(count).to_have_text("1 selected")
    bar.get_by_role("button", name="Clear selection").click()
    expect(bar).to_be_hidden()
    expect(row_box(page, mirrored[0])).not_to_be_checked()
    row_box(page, mirrored[0]).check()
    row_box(page, mirrored[4]).click(modifiers=["Shift"])
    expect(count).to_have_text("5 selected")
    for order in mirrored[:5]:
        expect(row_box(page, order)).to_be_checked()
    expect(row_box(page, mirrored[5])).not_to_be_checked()
    # Shift-click also unticks a range; the click may land anywhere in the label cell.
    page.locator("td.check label").nth(2).click(modifiers=["Shift"], position={"x": 24, "y": 12})
    expect(count).to_have_text("2 selected")
    page_box = page.get_by_label("Select all orders on this page")
    assert page_box.evaluate("box => box.indeterminate")

    matching = page.get_by_label("Select all 30 orders matching this search, on every page")
    expect(matching).to_be_hidden()
    page_box.check()
    expect(count).to_have_text("25 selected")
    expect(matching).to_be_visible()
    matching.check()
    expect(count).to_have_text("All 30 matching orders selected")

    # A pretend scroll to the bottom of the page: the action bar stays on screen.
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)  # the wheel scrolls asynchronously
    assert page.evaluate("() => window.scrollY") > 0
    assert bar.bounding_box()["y"] <= 1
    bar.get_by_role("button", name="Delete at FinerWorks…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Delete 30 orders at FinerWorks?")
    assert fw.requests_for(DELETE) == []  # nothing is sent before the confirmation
    # A filter-wide deletion asks for the count and a reason.
    yes = page.get_by_role("button", name="Yes, delete 30 orders at FinerWorks")
    yes.click()
    expect(page.get_by_text("Type 30 to confirm the number.")).to_be_visible()
    page.get_by_label("Type the number of orders (30)").fill("30")
    page.get_by_label("Reason (kept with the audit)").fill("Test orders from the e2e suite")
    yes.click()
    expect(page.locator("#progress-text")).to_contain_text("30 of 30 orders settled")
    assert PendingOrder.objects.filter(state="deleted").count() == 30


def test_confirmed_deletion_finishes_with_outcomes_and_audit(open_page, deleter, fw, mirrored):
    chosen = mirrored[:3]
    page = open_page(deleter)
    page.goto("/orders/?sort=fulfillment_id")
    for order in chosen:
        row_box(page, order).check()
    page.get_by_role("button", name="Delete at FinerWorks…").click()

    expect(page).to_have_url(re.compile(r"/orders/deletions/\d+/confirm/$"))
    expect(page.get_by_text("FinerWorks offers no undo.")).to_be_visible()
    expect(page.locator("ul.accounts")).to_contain_text("Own account: 3 orders")
    expect(page.locator("table tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Yes, delete 3 orders at FinerWorks").click()

    deletion = BulkDeletion.objects.get()
    expect(page).to_have_url(re.compile(rf"/orders/deletions/{deletion.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deletion #{deletion.pk}: Finished")
    expect(page.locator("#progress progress")).to_have_attribute("value", "100")
    expect(page.locator("#progress-percent")).to_have_text("100%")
    expect(page.get_by_role("status").filter(has_text="orders settled")).to_have_text(
        "3 of 3 orders settled · 1 of 1 delete calls sent · Finished"
    )
    expect(page.locator(".messages")).to_contain_text("3 orders deleted at FinerWorks (verified).")
    expect(page.locator("ul.summary")).to_contain_text("Own account: 3 deleted (verified)")
    outcomes = page.get_by_role("table", name=f"Outcome of each order of deletion #{deletion.pk}")
    for order in chosen:
        row = outcomes.get_by_role("row").filter(has_text=str(order.fulfillment_id))
        expect(row).to_contain_text("Deleted (verified)")

    calls = page.get_by_role("table", name=re.compile("FinerWorks calls made by deletion"))
    expect(calls.get_by_role("row")).to_have_count(4)  # header, preflight, delete, verify
    page.get_by_role("link", name=re.compile("delete call, open the audit entry")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "deleter called delete_pending_orders"
    )
    request = page.locator("pre.raw").first.inner_text()
    assert all(str(o.fulfillment_id) in request for o in chosen)
    expect(page.get_by_role("link", name=f"Deletion #{deletion.pk}")).to_be_visible()

    assert {o.fulfillment_id for o in chosen} <= fw.deleted_ids
    assert PendingOrder.objects.filter(state="deleted").count() == 3


def test_progress_is_announced_while_a_background_run_works(open_page, deleter, fw, mirrored):
    chosen = PendingOrder.objects.filter(pk__in=[o.pk for o in mirrored[:2]])
    deletion = bulk_deletion_create(user=deleter, orders=chosen, scope_description="by hand")
    bulk_deletion_confirm(deletion=deletion, user=deleter)  # queued; no worker runs it yet
    page = open_page(deleter)
    # While the run is "under way" the polls get this answer; the live server is left
    # alone so that the run below is the only thing touching the database.
    halfway = {
        "done": False,
        "percent": 50,
        "state": "running",
        "state_label": "Running",
        "text": "1 of 2 orders settled · 1 of 2 delete calls sent · Sending delete calls",
        "silent_since": None,
    }
    page.route("**/progress.json", lambda route: route.fulfill(json=halfway))
    page.goto(f"/orders/deletions/{deletion.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting for a worker")
    status = page.locator("#progress-text")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(halfway["text"])
    # The heading follows the same poll: it never says "waiting" while the line says running.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deletion #{deletion.pk}: Running")
    expect(page.locator("#progress progress")).to_have_attribute("value", "50")
    expect(page.locator("#progress-percent")).to_have_text("50%")

    bulk_deletion_run(deletion=deletion, acting_user=deleter)  # the worker
    page.unroute("**/progress.json")
    # The next poll sees the end and the page reloads with every order's outcome.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deletion #{deletion.pk}: Finished")
    expect(page.locator("#progress progress")).to_have_attribute("value", "100")
    expect(page.locator("table.items tbody tr")).to_have_count(2)
    expect(page.locator("table.items")).not_to_contain_text("Selected")
