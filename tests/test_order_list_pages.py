"""The dashboard list view: pages and query cost.

Page size and numbered pages, Next and Previous links that walk every order once in order
(whatever the sort, ties included), numbered and cursor pages that agree, a forged cursor that
shows the first page; and the query count, which neither grows with the page size nor selects
the raw record.
"""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import selectors
from orders.forms import OrderFilterForm
from orders.models import PendingOrder
from tests.factories import add_orders
from tests.order_list_helpers import acme as acme  # a fixture
from tests.order_list_helpers import ids_in

LIST = reverse("orders:list")


def test_page_size_and_pagination(client, viewer, owner_account):
    add_orders(owner_account, 60)
    client.force_login(viewer)
    first = client.get(LIST, {"page_size": 50, "sort": "fulfillment_id"})
    assert len(ids_in(first)) == 50
    second = client.get(LIST, {"page_size": 50, "sort": "fulfillment_id", "page": 2})
    assert ids_in(second) == list(range(51, 61))


def test_query_count_does_not_grow_with_page_size(client, deleter, owner_account):
    add_orders(owner_account, 250)
    client.force_login(deleter)
    counts = []
    for size in (25, 200):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"page_size": size}).status_code == HTTPStatus.OK
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 9  # as tests/test_query_counts.py's MAX_LIST_QUERIES


def test_list_query_selects_no_raw_record(client, viewer, owner_account):
    add_orders(owner_account, 3)
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    page_sql = [q["sql"] for q in queries if "orders_pendingorder" in q["sql"]]
    assert page_sql and all('"raw"' not in sql for sql in page_sql)


LINK = re.compile(r'<a href="\?([^"]*)" rel="(next|prev)">')


def follow(client, response, rel):
    """The page behind the response's Next or Previous link, or None."""
    links = dict((r, q) for q, r in LINK.findall(response.content.decode()))
    if rel not in links:
        return None
    return client.get(f"{LIST}?{links[rel].replace('&amp;', '&')}")


def expected_order(user, sort):
    form = OrderFilterForm({"sort": sort, "state": "all"}, user=user)
    rows = PendingOrder.objects.order_by(*form.ordering()).values_list("fulfillment_id")
    return [fid for (fid,) in rows]


@pytest.mark.parametrize(
    "sort", ["-first_seen", "first_seen", "order_po", "-account", "test_mode", "-items"]
)
def test_next_and_previous_walk_every_order_once_in_order(
    client, admin_user, owner_account, acme, sort, monkeypatch
):
    # Ties everywhere: one first_seen_at for all, duplicate POs, two accounts.
    add_orders(owner_account, 40, order_po="DUP")
    add_orders(acme, 23, start=100, test_mode=True)
    add_orders(owner_account, 10, start=200, state="gone")
    monkeypatch.setattr(selectors, "COUNT_CAP", 30)  # the count is capped: cursor pages
    client.force_login(admin_user)
    expected = expected_order(admin_user, sort)

    page = client.get(LIST, {"sort": sort, "state": "all", "page_size": 25})
    assert "30+ orders" in page.content.decode()
    walked, pages = [], []
    while page is not None:
        pages.append(ids_in(page))
        walked += ids_in(page)
        page = follow(client, page, "next")
    assert walked == expected
    assert [len(p) for p in pages] == [25, 25, 23]

    # Last page, then back to the first through the Previous links.
    page = client.get(LIST, {"sort": sort, "state": "all", "page_size": 25, "last": "1"})
    back = []
    while page is not None:
        back = ids_in(page) + back
        page = follow(client, page, "prev")
    assert back == expected


def test_pages_by_number_and_by_cursor_agree(client, viewer, owner_account):
    add_orders(owner_account, 60)
    client.force_login(viewer)
    third = client.get(LIST, {"page_size": 25, "page": 3})
    assert "Page 3 of 3" in third.content.decode()
    second = follow(client, third, "prev")
    assert ids_in(second) == ids_in(client.get(LIST, {"page_size": 25, "page": 2}))
    assert "Page 2 of 3" in second.content.decode()
    assert ids_in(follow(client, second, "next")) == ids_in(third)
    # Past the end shows the last page, as a stale bookmark should.
    assert ids_in(client.get(LIST, {"page_size": 25, "page": 9})) == ids_in(third)


def test_a_forged_cursor_shows_the_first_page(client, viewer, owner_account):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    first = ids_in(client.get(LIST))
    for cursor in ("zzz", "W10", "WyJub3QgYSBkYXRlIiwgMSwgMl0", "%00"):
        response = client.get(LIST, {"after": cursor})
        assert response.status_code == HTTPStatus.OK
        assert ids_in(response) == first
