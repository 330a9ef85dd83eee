"""In a real browser: the admin action, a user who may not delete, and FinerWorks saying no."""

import re

import pytest

from orders.models import BulkDeletion, PendingOrder

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

DELETE = "delete_pending_orders"


def apply_admin_action(page, orders) -> None:
    """Tick the orders on the admin changelist and apply the FinerWorks delete action."""
    for order in orders:
        page.locator(f"input[name=_selected_action][value='{order.pk}']").check()
    page.locator("select[name=action]").select_option(label="Delete selected orders at FinerWorks")
    # The apply button is "Go" in Django 5.2 and "Run" in 6.x; its name attribute is stable.
    page.locator("button[name=index]").first.click()


def test_admin_action_leads_to_the_dashboards_confirmation_and_deletes_what_it_shows(
    open_page, admin_user, fw, mirrored
):
    chosen = mirrored[:2]
    page = open_page(admin_user)
    page.goto("/admin/orders/pendingorder/")
    apply_admin_action(page, chosen)

    deletion = BulkDeletion.objects.get()
    expect(page).to_have_url(re.compile(rf"/orders/deletions/{deletion.pk}/confirm/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete 2 orders at FinerWorks?")
    expect(page.get_by_text("FinerWorks offers no undo.")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(2)
    for order in chosen:
        expect(page.locator("table tbody")).to_contain_text(str(order.fulfillment_id))
    assert fw.requests_for(DELETE) == []
    page.get_by_role("button", name="Yes, delete 2 orders at FinerWorks").click()

    expect(page).to_have_url(re.compile(rf"/orders/deletions/{deletion.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("2 orders deleted at FinerWorks (verified).")
    assert fw.deleted_ids == {o.fulfillment_id for o in chosen}
    deletion.refresh_from_db()
    assert deletion.via == "admin" and deletion.state == BulkDeletion.State.FINISHED
    assert set(
        PendingOrder.objects.filter(state="deleted").values_list("fulfillment_id", flat=True)
    ) == {o.fulfillment_id for o in chosen}


def test_no_take_me_back_returns_to_the_filtered_admin_changelist_and_sends_nothing(
    open_page, deleter, fw, mirrored
):
    page = open_page(deleter)
    page.goto("/admin/orders/pendingorder/?state__exact=pending")
    apply_admin_action(page, mirrored[:2])
    expect(page).to_have_url(re.compile(r"/orders/deletions/\d+/confirm/$"))

    page.get_by_role("button", name="No, take me back").click()

    expect(page).to_have_url(re.compile(r"/admin/orders/pendingorder/\?state__exact=pending$"))
    expect(page.locator(".messagelist")).to_contain_text(
        "Nothing was deleted; the selection was discarded."
    )
    assert BulkDeletion.objects.get().state == BulkDeletion.State.CANCELLED
    assert fw.requests_for(DELETE) == []
    assert PendingOrder.objects.filter(state="pending").count() == len(mirrored)


def test_a_user_without_the_permission_sees_no_delete_control(open_page, viewer, mirrored):
    page = open_page(viewer)
    page.goto("/orders/")
    expect(page.locator("#result-count")).to_contain_text("30 pending orders")
    expect(page.locator("table.orders tbody tr")).to_have_count(25)
    expect(page.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Delete"))).to_have_count(0)
    expect(page.get_by_role("region", name="Selected orders")).to_have_count(0)
    expect(page.locator(".hint").filter(has_text="ask an administrator")).to_be_visible()

    page.goto("/admin/orders/pendingorder/")
    expect(page.locator("#result_list")).to_be_visible()
    expect(page.locator("option[value=delete_at_finerworks]")).to_have_count(0)


def test_a_finerworks_refusal_is_explained_and_orders_stay_pending(
    open_page, deleter, fw, mirrored
):
    chosen = mirrored[:2]
    fw.add_fault(DELETE, "success_false")
    page = open_page(deleter)
    page.goto("/orders/?sort=fulfillment_id")
    for order in chosen:
        page.get_by_label(f"Select order {order.fulfillment_id}", exact=True).check()
    page.get_by_role("button", name="Delete at FinerWorks…").click()
    page.get_by_role("button", name="Yes, delete 2 orders at FinerWorks").click()

    expect(page.locator(".messages .msg-error")).to_contain_text(
        "2 orders were not deleted; see each order's reason."
    )
    expect(page.locator("ul.summary")).to_contain_text("Own account: 2 rejected by FinerWorks")
    expect(
        page.locator(".hint").filter(has_text="Orders that were not deleted stay in the")
    ).to_be_visible()
    for order in chosen:
        row = page.locator("table.items tbody tr").filter(has_text=str(order.fulfillment_id))
        expect(row).to_contain_text("Rejected by FinerWorks")
        expect(row).to_contain_text("Order ids could not be processed")
    download = page.get_by_role("link", name=re.compile("Download the FinerWorks records"))
    expect(download).to_have_count(0)  # nothing was deleted, so there is nothing to keep

    assert {o.fulfillment_id for o in chosen} <= fw.listed_ids()
    assert not fw.deleted_ids
    assert PendingOrder.objects.filter(pk__in=[o.pk for o in chosen], state="pending").count() == 2
    # Nothing holds them: they can be ticked again from the list.
    page.goto("/orders/?sort=fulfillment_id")
    again = page.get_by_label(f"Select order {chosen[0].fulfillment_id}", exact=True)
    expect(again).to_be_enabled()
