"""The order list as a workbench in a real browser: the junk finder cleans an account's
duplicate imports in a handful of actions, the key columns fit a phone, the keyboard reaches
the first order right after the skip link, and the Deleted view reads as history."""

import re

import pytest
from django.db.models import Count

from orders.models import PendingOrder
from orders.services import pending_orders_sync
from tests.e2e.conftest import LAPTOP
from tests.e2e.dashboard_helpers import save_screenshots

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}
KEY_HEADERS = ["Id", "Order PO", "Recipient", "Account", "State"]


class Actions:
    """The user's clicks, fills and key presses on a page, counted."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator) -> None:
        locator.click()
        self.count += 1

    def fill(self, locator, text: str) -> None:
        locator.fill(text)
        self.count += 1


def reimport(fw, records: list[dict], *, copies: int | None = None) -> set[str]:
    """Each record imported again at FinerWorks under a new id: `copies` times, or (None)
    twice for every other record and once for the rest."""
    for i, record in enumerate(records):
        copy = {key: value for key, value in record.items() if key != "fulfillment_id"}
        for _ in range(copies or (2 if i % 2 == 0 else 1)):
            fw.add_order(copy)
    return {record["order_po"] for record in records}


def duplicate_po_groups() -> dict[tuple[int, str], list[PendingOrder]]:
    """The pending orders sharing an account and a non-empty PO, per group."""
    pending = PendingOrder.objects.filter(state="pending").exclude(order_po="")
    keys = (
        pending.values_list("account_id", "order_po")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by()
    )
    groups = {(account, po): [] for account, po, _n in keys}
    for order in pending.filter(order_po__in={po for _a, po in groups}):
        if (order.account_id, order.order_po) in groups:
            groups[(order.account_id, order.order_po)].append(order)
    return groups


def preset(page, label: str):
    return page.get_by_role("navigation", name="Junk finder").get_by_role(
        "link", name=re.compile(rf"^{re.escape(label)}")
    )


def rows(page):
    return page.locator("#orders-table tbody tr")


def test_cleaning_the_duplicate_imports_of_an_account_of_10000_orders_takes_at_most_6_actions(
    open_page, deleter, fw, owner_account
):
    records = fw.seed(10_000, seed=5)
    reimported = reimport(fw, records[::250])  # 40 orders, spread over the account
    pending_orders_sync()
    groups = duplicate_po_groups()
    assert reimported <= {po for _account, po in groups}
    in_groups = {order.pk for members in groups.values() for order in members}
    extras = len(in_groups) - len(groups)

    page = open_page(deleter)
    page.goto("/orders/")
    act = Actions()
    act.click(preset(page, "Duplicate PO"))
    act.click(page.get_by_role("button", name="Select the extra copies (keep the oldest)…"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Delete {extras:,} orders at FinerWorks?"
    )
    act.fill(page.get_by_label(f"Type the number of orders ({extras})"), str(extras))
    act.fill(page.get_by_label("Reason (kept with the audit)"), "Duplicate imports")
    act.click(page.get_by_role("button", name=f"Yes, delete {extras:,} orders at FinerWorks"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finished", timeout=60_000)
    assert act.count <= 6

    states = dict(PendingOrder.objects.values_list("pk", "state"))
    for key, members in groups.items():
        left = [o for o in members if states[o.pk] == "pending"]
        assert len(left) == 1, f"group {key}: {len(left)} pending"
        assert all(states[o.pk] == "deleted" for o in members if o not in left)
    deleted = {pk for pk, state in states.items() if state == "deleted"}
    assert len(deleted) == extras and deleted <= in_groups  # nothing outside the groups
    assert len(fw.deleted_ids) == extras
    assert len(states) == 10_000 + 60


def test_at_390px_the_key_columns_fit_without_sideways_scrolling(open_page, deleter, mirrored):
    page = open_page(deleter, viewport=PHONE)
    page.goto("/orders/?sort=fulfillment_id")
    page.wait_for_load_state()
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"the page scrolls sideways: {scroll_width}"
    table = page.get_by_role("table")
    for name in KEY_HEADERS:
        header = table.get_by_role("columnheader", name=re.compile(rf"^{name}\b"))
        expect(header).to_be_visible()
        box = header.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, box)
    wrap = page.locator(".table-wrap").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert wrap[0] <= wrap[1], f"the order table scrolls sideways: {wrap}"


def test_the_first_order_is_reached_in_three_tabs_after_the_skip_link(open_page, deleter, mirrored):
    page = open_page(deleter)
    page.goto("/orders/?sort=fulfillment_id")
    page.wait_for_load_state()
    focused_text = "() => document.activeElement.textContent.trim()"
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate(focused_text) == "Skip to the orders":
            break
    else:
        raise AssertionError("no 'Skip to the orders' link among the first tab stops")
    page.keyboard.press("Enter")
    in_first_row = (
        "() => document.activeElement !== document.getElementById('first-order')"
        " && document.getElementById('first-order').contains(document.activeElement)"
    )
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate(in_first_row):
            break
    else:
        raise AssertionError("the first order is not reached in 3 tabs after the skip link")
    label = page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.labels && e.labels[0] ? e.labels[0].textContent : e.textContent).trim(); }"
    )
    assert label in (f"Select order {mirrored[0].fulfillment_id}", str(mirrored[0].fulfillment_id))


def test_the_deleted_view_reads_as_history(open_page, deleter, mirrored):
    PendingOrder.objects.filter(pk=mirrored[3].pk).update(state="deleted")
    page = open_page(deleter)
    page.goto("/orders/?state=deleted")
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text(str(mirrored[3].fulfillment_id))
    expect(page.locator("#selection-form input[type=checkbox]")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete at FinerWorks…")).to_have_count(0)
    expect(page.get_by_role("region", name="Selected orders")).to_have_count(0)


def test_a_junk_preset_shows_each_flagged_rows_reason(open_page, deleter, fw, owner_account):
    records = fw.seed(30, seed=7)
    pos = [r["order_po"] for r in records]
    unique = next(r for r in records if pos.count(r["order_po"]) == 1)
    reimport(fw, [unique], copies=1)  # one more copy: a pair
    pending_orders_sync()
    page = open_page(deleter)
    page.goto("/orders/?sort=fulfillment_id")
    expect(page.get_by_role("columnheader", name="Why")).to_have_count(0)

    preset(page, "Duplicate PO").click()
    expect(page.get_by_role("columnheader", name="Why")).to_be_visible()
    po_cell = page.locator("td.col-2", has_text=re.compile(rf"^{unique['order_po']}$"))
    pair = rows(page).filter(has=po_cell)
    expect(pair).to_have_count(2)
    for row in pair.all():
        expect(row.locator("td.why")).to_contain_text("PO pending 2×")
    for why in page.locator("td.why").all():
        expect(why).to_contain_text(re.compile(r"PO pending \d+×"))

    preset(page, "Test orders").click()
    tests = PendingOrder.objects.filter(state="pending", test_mode=True).count()
    assert tests > 0
    expect(rows(page)).to_have_count(tests)
    for why in page.locator("td.why").all():
        expect(why).to_contain_text("test order")


def test_screenshots_of_the_junk_finder_and_phone_width(
    open_page, deleter, fw, owner_account, tmp_path
):
    records = fw.seed(60, seed=11)
    reimport(fw, records[2:60:9])
    pending_orders_sync()
    shots = {}

    page = open_page(deleter, viewport=LAPTOP)
    page.goto("/orders/?sort=fulfillment_id")
    preset(page, "Duplicate PO").click()
    expect(page.get_by_role("columnheader", name="Why")).to_be_visible()
    expect(page.locator("td.why").first).to_contain_text("PO pending")
    page.mouse.move(0, 0)  # no hover highlight in the picture
    shots["junk.png"] = (page.screenshot(animations="disabled", caret="hide"), LAPTOP)

    phone = open_page(deleter, viewport=PHONE)
    phone.goto("/orders/?sort=fulfillment_id")
    phone.wait_for_load_state()
    # The filters fill the first screen; the picture shows the rows (the count on top).
    phone.locator("#result-count").evaluate("e => e.scrollIntoView()")
    shots["phone.png"] = (phone.screenshot(animations="disabled", caret="hide"), PHONE)
    save_screenshots(shots, tmp_path)
