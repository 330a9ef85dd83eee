"""Helpers shared by the dashboard browser tests (tests/e2e/test_dashboard_*.py): the tick box
of an order's row on the list page."""


def row_box(page, order):
    return page.get_by_label(f"Select order {order.fulfillment_id}", exact=True)
