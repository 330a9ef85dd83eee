"""The staff dashboard in a real browser: log in and find orders.

Staff log in through the login form (a wrong password is refused), then narrow the list by
search, filters and sorting; the sorted column says so to assistive technology and a filter
that matches nothing says how to clear it.
"""

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_staff_log_in_through_the_login_form(open_page, deleter, mirrored):
    page = open_page()
    page.goto("/orders/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/orders/$"))

    page.get_by_label("Username").fill("deleter")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't match")

    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/orders/$"))
    expect(page.get_by_role("heading", name="Pending orders")).to_be_visible()
    expect(page.locator(".topbar")).to_contain_text("Signed in as deleter")
    expect(page.locator("#result-count")).to_contain_text("30 pending orders, 25 shown")


def test_search_filter_and_sort_narrow_the_list(open_page, deleter, mirrored):
    page = open_page(deleter)
    page.goto("/orders/")
    target = mirrored[4]

    page.get_by_label("Search", exact=True).fill(f"#{target.fulfillment_id}")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#result-count")).to_contain_text("1 pending order matching the search")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    expect(page.locator("table.orders tbody")).to_contain_text(target.recipient_name)

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Source").select_option("shopify")  # the mirror's sources, with counts
    page.get_by_label("Per page").select_option("50")
    page.get_by_role("button", name="Apply").click()
    shopify = [o for o in mirrored if o.source == "shopify"]
    expect(page.locator("#result-count")).to_contain_text(f"{len(shopify)} pending orders")
    sources = page.locator("table.orders tbody td:nth-child(6)").all_inner_texts()
    assert sources and set(sources) == {"shopify"}

    # Sorting keeps the filter; the sorted column says so to assistive technology.
    page.get_by_role("link", name="Id", exact=True).click()
    expect(page.get_by_role("columnheader", name="Id")).to_have_attribute("aria-sort", "ascending")
    ids = page.locator("table.orders tbody th").all_inner_texts()
    assert ids == sorted(str(o.fulfillment_id) for o in shopify)

    page.get_by_label("State").select_option("deleted")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".empty")).to_contain_text("No deleted orders match these filters")
    expect(page.get_by_role("link", name="clear the filters")).to_be_visible()


def test_compact_rows_show_at_least_20_orders_on_a_1280_by_900_screen(open_page, viewer, mirrored):
    page = open_page(viewer, viewport={"width": 1280, "height": 900})
    page.goto("/orders/")
    rows = page.locator("table.orders tbody tr")
    expect(rows).to_have_count(25)
    bottoms = [box["y"] + box["height"] for box in (r.bounding_box() for r in rows.all())]

    assert sum(bottom <= 900 for bottom in bottoms) >= 20
    page.get_by_role("button", name="Comfortable rows").click()
    expect(page.locator("table.orders")).to_have_class(re.compile("density-comfortable"))
    page.reload()  # remembered
    expect(page.get_by_role("button", name="Compact rows")).to_be_visible()
