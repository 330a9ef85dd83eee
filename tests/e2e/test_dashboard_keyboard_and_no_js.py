"""The staff dashboard in a real browser: from the keyboard and without JavaScript.

Every step, from selecting orders to confirming their deletion, works from the keyboard with a
visible focus, and the whole flow works without JavaScript.
"""

import re

import pytest

from tests.e2e.dashboard_helpers import row_box

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

DELETE = "delete_pending_orders"


def tab_to(page, name: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab until the focused element's text or label starts with name."""
    key = "Shift+Tab" if backwards else "Tab"
    page.wait_for_load_state()  # the stylesheet too, so that focus styles can be checked
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.labels && e.labels[0] ? e.labels[0].textContent : e.textContent)"
            ".trim(); }"
        )
        if focused.startswith(name):
            return
    raise AssertionError(f"{name!r} is not reachable with {key}")


def focus_is_visible(page) -> bool:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"
    )


def test_every_step_works_from_the_keyboard(open_page, deleter, fw, mirrored):
    page = open_page(deleter)
    page.goto("/orders/?sort=fulfillment_id")

    tab_to(page, "Skip to main content")
    assert focus_is_visible(page)
    tab_to(page, f"Select order {mirrored[0].fulfillment_id}")
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    tab_to(page, f"Select order {mirrored[3].fulfillment_id}")
    page.keyboard.press("Shift+Space")  # a range from the keyboard too
    expect(page.locator("#selected-count")).to_have_text("4 selected")
    tab_to(page, "Delete at FinerWorks…", backwards=True)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Delete 4 orders at FinerWorks?")
    tab_to(page, "Yes, delete 4 orders at FinerWorks")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finished")
    assert len(fw.requests_for(DELETE)) == 1


def test_the_whole_flow_works_without_javascript(open_page, deleter, fw, mirrored):
    page = open_page(deleter, javascript=False)
    page.goto("/orders/?sort=fulfillment_id")
    expect(page.locator("#selected-count")).to_have_text(
        "Tick orders to delete them at FinerWorks."
    )
    # Without the script nothing hides the cross-page choice.
    expect(page.get_by_label(re.compile("Select all 30 orders matching"))).to_be_visible()
    row_box(page, mirrored[1]).check()
    row_box(page, mirrored[2]).check()
    page.get_by_role("button", name="Delete at FinerWorks…").click()
    page.get_by_role("button", name="Yes, delete 2 orders at FinerWorks").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finished")
    expect(page.locator("#progress-text")).to_contain_text("2 of 2 orders settled")
    assert fw.deleted_ids == {mirrored[1].fulfillment_id, mirrored[2].fulfillment_id}
