"""Undoing a deletion in a real browser: delete three orders, restore them from the
deletion's page, and find them pending again with new ids."""

import re

import pytest

from orders.models import BulkRestore, PendingOrder
from tests.e2e.dashboard_helpers import row_box
from tests.restore_helpers import restorer_user

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_delete_three_orders_then_restore_them_and_see_them_pending_with_new_ids(
    open_page, fw, mirrored
):
    chosen = mirrored[:3]
    page = open_page(restorer_user())
    page.goto("/orders/?sort=fulfillment_id")
    for order in chosen:
        row_box(page, order).check()
    page.get_by_role("button", name="Delete at FinerWorks…").click()
    page.get_by_role("button", name="Yes, delete 3 orders at FinerWorks").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finished")

    page.get_by_role("button", name="Restore at FinerWorks…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Restore 3 deleted orders at FinerWorks?"
    )
    expect(page.get_by_text("Restored orders get new ids.")).to_be_visible()
    yes = page.get_by_role("button", name="Yes, restore 3 orders at FinerWorks")
    expect(yes).to_be_focused()
    yes.click()

    restore = BulkRestore.objects.get()
    expect(page).to_have_url(re.compile(rf"/orders/restores/{restore.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Restore #{restore.pk}: Finished")
    expect(page.locator(".report")).to_contain_text("3 orders restored with new ids.")
    old_ids = {o.fulfillment_id for o in chosen}
    new_ids = set(restore.items.values_list("new_fulfillment_id", flat=True))
    assert len(new_ids) == 3 and not new_ids & old_ids

    page.goto("/orders/?sort=-fulfillment_id")  # the new ids come first
    for new_id in new_ids:
        new_order = PendingOrder.objects.get(fulfillment_id=new_id)
        row = (
            page.get_by_role("row")
            .filter(has_text=new_order.order_po)
            .filter(has=page.get_by_role("link", name=str(new_id)))
        )
        expect(row).to_have_count(1)
    page.get_by_role("link", name=str(sorted(new_ids)[0])).first.click()
    expect(page.get_by_text("Restored from")).to_be_visible()
