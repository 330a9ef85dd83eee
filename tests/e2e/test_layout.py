"""Layout in a real browser: laptop and tablet widths, and the README's screenshots."""

import re

import pytest

from orders.models import FinerWorksCall, PendingOrder
from orders.services import pending_orders_sync
from tests.e2e.conftest import LAPTOP, TABLET
from tests.e2e.dashboard_helpers import save_screenshots

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

SCROLL_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def assert_no_page_scroll(page, what: str) -> None:
    page.wait_for_load_state()
    scroll_width, inner_width = page.evaluate(SCROLL_WIDTH)
    assert scroll_width <= inner_width, f"{what} scrolls sideways: {scroll_width} > {inner_width}"


def tick_and_confirm(page, orders) -> None:
    for order in orders:
        page.get_by_label(f"Select order {order.fulfillment_id}", exact=True).check()
    page.get_by_role("button", name="Delete at FinerWorks…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("at FinerWorks?")


@pytest.mark.parametrize(
    "viewport", [TABLET, {"width": 1366, "height": 768}], ids=["tablet", "laptop"]
)
def test_no_page_scrolls_sideways(open_page, deleter, mirrored, viewport):
    page = open_page(deleter, viewport=viewport)
    page.goto("/orders/?sort=fulfillment_id")
    # The order table may scroll inside its own wrapper; the page itself may not.
    assert_no_page_scroll(page, "the order list")
    page.get_by_label("Per page").select_option("50")
    page.get_by_role("button", name="Apply").click()
    assert_no_page_scroll(page, "the order list with 50 rows")

    tick_and_confirm(page, mirrored[:2])
    assert_no_page_scroll(page, "the confirmation page")
    page.get_by_role("button", name="Yes, delete 2 orders at FinerWorks").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finished")
    assert_no_page_scroll(page, "the result page")

    for url, what in [
        ("/orders/deletions/", "the deletion list"),
        ("/orders/audit/", "the audit list"),
        (f"/orders/audit/{FinerWorksCall.objects.latest('id').pk}/", "an audit entry"),
        (f"/orders/{mirrored[0].pk}/", "an order"),
        ("/orders/?q=nothing-matches-this", "the empty list"),
    ]:
        page.goto(url)
        assert_no_page_scroll(page, what)


def test_screenshots_of_list_confirmation_and_result(
    open_page, deleter, fw, owner_account, delegated_account, grant, tmp_path
):
    fw.seed(18, seed=11)
    fw.seed(12, seed=12, account_key=delegated_account.account_key)
    pending_orders_sync()
    grant(deleter, delegated_account)
    orders = list(PendingOrder.objects.order_by("fulfillment_id"))
    chosen = [orders[1], orders[2], orders[3], orders[20]]

    page = open_page(deleter, viewport=LAPTOP)
    page.goto("/orders/?sort=fulfillment_id")
    shots = {}
    page.get_by_label(f"Select order {chosen[0].fulfillment_id}", exact=True).check()
    page.get_by_label(f"Select order {chosen[2].fulfillment_id}", exact=True).click(
        modifiers=["Shift"]
    )
    expect(page.locator("#selected-count")).to_have_text("3 selected")
    page.mouse.move(0, 0)  # no hover highlight in the picture
    shots["list.png"] = page.screenshot(animations="disabled", caret="hide")

    page.get_by_label(f"Select order {chosen[3].fulfillment_id}", exact=True).check()
    tick_and_confirm(page, [])
    expect(page.locator("ul.accounts li")).to_have_count(2)
    shots["confirm.png"] = page.screenshot(animations="disabled", caret="hide")

    page.get_by_role("button", name="Yes, delete 4 orders at FinerWorks").click()
    expect(page.locator("#progress-percent")).to_have_text("100%")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Finished$"))
    page.mouse.move(0, 0)
    shots["result.png"] = page.screenshot(animations="disabled", caret="hide")

    save_screenshots({name: (png, LAPTOP) for name, png in shots.items()}, tmp_path)
