"""The dashboard list view: access, scoping, search, filters, sorting and query cost."""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders import selectors
from orders.forms import OrderFilterForm
from orders.models import FinerWorksAccount, PendingOrder
from tests.factories import add_orders, make_user

LIST = reverse("orders:list")


@pytest.fixture
def acme(db):
    return FinerWorksAccount.objects.create(name="Acme", account_key="acme-key-0001")


def ids_in(response):
    return [row["fulfillment_id"] for row in response.context["page"].object_list]


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(LIST)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_site_root_redirects_to_the_list(client, viewer):
    client.force_login(viewer)
    assert client.get("/").url == LIST


def test_users_without_view_permission_get_403(client, db):
    client.force_login(make_user("nobody"))
    assert client.get(LIST).status_code == HTTPStatus.FORBIDDEN


def test_viewers_see_owner_orders_but_not_ungranted_accounts(
    client, viewer, owner_account, acme, grant
):
    add_orders(owner_account, 3)
    add_orders(acme, 2, start=100)
    client.force_login(viewer)
    assert sorted(ids_in(client.get(LIST))) == [1, 2, 3]
    # A forged account filter is a form error, never a peek at the other account.
    forged = client.get(LIST, {"account": acme.pk})
    assert forged.context["form"].errors and 100 not in ids_in(forged)

    grant(viewer, acme)
    assert sorted(ids_in(client.get(LIST))) == [1, 2, 3, 100, 101]


def test_superusers_see_every_account(client, admin_user, owner_account, acme):
    add_orders(owner_account, 1)
    add_orders(acme, 1, start=100)
    client.force_login(admin_user)
    assert sorted(ids_in(client.get(LIST))) == [1, 100]


def test_default_is_pending_orders_newest_first_with_counts(client, viewer, owner_account):
    add_orders(owner_account, 3)
    add_orders(owner_account, 2, start=10, state="gone")
    client.force_login(viewer)
    response = client.get(LIST)
    assert ids_in(response) == [3, 2, 1]
    assert "3 pending orders, 3 shown" in response.content.decode()
    assert sorted(ids_in(client.get(LIST, {"state": "gone"}))) == [10, 11]
    assert len(ids_in(client.get(LIST, {"state": "all"}))) == 5


def test_search_matches_po_name_email_and_id(client, viewer, owner_account):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    assert ids_in(client.get(LIST, {"q": "PO-17"})) == [17]
    assert ids_in(client.get(LIST, {"q": "ann23"})) == [23]
    assert ids_in(client.get(LIST, {"q": "a5@x.test"})) == [5]
    assert ids_in(client.get(LIST, {"q": "#29"})) == [29]


def test_filters_combine(client, viewer, owner_account):
    add_orders(owner_account, 3, source="excel", shipping_code="FS", test_mode=True)
    add_orders(owner_account, 3, start=10, source="web")
    client.force_login(viewer)
    assert sorted(ids_in(client.get(LIST, {"source": "EXCEL"}))) == [1, 2, 3]
    assert sorted(ids_in(client.get(LIST, {"shipping_code": "fs", "test_mode": "yes"}))) == [
        1,
        2,
        3,
    ]
    assert sorted(ids_in(client.get(LIST, {"test_mode": "no"}))) == [10, 11, 12]


def test_sorting_and_bad_sort_keys(client, viewer, owner_account):
    add_orders(owner_account, 5)
    client.force_login(viewer)
    assert ids_in(client.get(LIST, {"sort": "fulfillment_id"})) == [1, 2, 3, 4, 5]
    assert ids_in(client.get(LIST, {"sort": "-order_po"})) == [5, 4, 3, 2, 1]
    bad = client.get(LIST, {"sort": "raw; DROP TABLE", "page": "zzz", "page_size": "7"})
    assert bad.status_code == HTTPStatus.OK  # clear error shown, defaults applied
    assert bad.context["form"].errors
    assert ids_in(bad) == [5, 4, 3, 2, 1]


def test_page_size_and_pagination(client, viewer, owner_account):
    add_orders(owner_account, 60)
    client.force_login(viewer)
    first = client.get(LIST, {"page_size": 50, "sort": "fulfillment_id"})
    assert len(ids_in(first)) == 50
    second = client.get(LIST, {"page_size": 50, "sort": "fulfillment_id", "page": 2})
    assert ids_in(second) == list(range(51, 61))


def test_hostile_text_is_escaped(client, viewer, owner_account):
    add_orders(owner_account, 1, order_po="<script>alert(1)</script>")
    client.force_login(viewer)
    html = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_query_count_does_not_grow_with_page_size(client, deleter, owner_account):
    add_orders(owner_account, 250)
    client.force_login(deleter)
    counts = []
    for size in (25, 200):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"page_size": size}).status_code == HTTPStatus.OK
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 8


def test_list_query_selects_no_raw_record(client, viewer, owner_account):
    add_orders(owner_account, 3)
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    page_sql = [q["sql"] for q in queries if "orders_pendingorder" in q["sql"]]
    assert page_sql and all('"raw"' not in sql for sql in page_sql)


def test_order_detail_shows_raw_record_and_is_scoped(client, viewer, owner_account, acme):
    add_orders(owner_account, 1)
    add_orders(acme, 1, start=100)
    client.force_login(viewer)
    mine = PendingOrder.objects.get(fulfillment_id=1)
    theirs = PendingOrder.objects.get(fulfillment_id=100)
    assert (
        "&quot;order_po&quot;: &quot;PO-1&quot;"
        in client.get(reverse("orders:detail", args=[mine.pk])).content.decode()
    )
    assert client.get(reverse("orders:detail", args=[theirs.pk])).status_code == 404


def test_refresh_button_syncs_and_reports(
    client, viewer, fw, owner_account, django_capture_on_commit_callbacks
):
    fw.seed(3, seed=9)
    client.force_login(viewer)
    assert client.get(reverse("orders:refresh")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    with django_capture_on_commit_callbacks(execute=True):  # the queued sync runs
        answer = client.post(reverse("orders:refresh"))
    response = client.get(answer.url)
    assert "Synced" in response.content.decode() and "3 new" in response.content.decode()
    assert PendingOrder.objects.count() == 3


def test_empty_list_tells_staff_what_to_do(client, viewer, owner_account):
    client.force_login(viewer)
    assert "Refresh from FinerWorks" in client.get(LIST).content.decode()


def test_search_matches_the_start_of_a_field_in_any_case(client, viewer, owner_account):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    assert ids_in(client.get(LIST, {"q": "po-29"})) == [29]
    assert ids_in(client.get(LIST, {"q": "ANN7 "})) == [7]
    # Deliberate: the search reads indexed prefixes, so the middle of a field never
    # matches (the surname, the end of a PO); the table is not scanned order by order.
    assert ids_in(client.get(LIST, {"q": "Lee"})) == []
    assert ids_in(client.get(LIST, {"q": "-29"})) == []


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


def test_headers_sort_within_the_filters_and_rows_link_and_date_each_order(
    client, viewer, owner_account
):
    add_orders(owner_account, 2, source="excel")
    client.force_login(viewer)
    html = client.get(LIST, {"source": "excel", "sort": "fulfillment_id"}).content.decode()
    # The current sort column says so and links to the reverse order, keeping the filter.
    assert (
        '<th scope="col" aria-sort="ascending"><a href="?source=excel&amp;sort=-fulfillment_id">'
        'Id <span aria-hidden="true">▲</span></a></th>'
    ) in html
    assert '<th scope="col"><a href="?source=excel&amp;sort=order_po">Order PO</a></th>' in html
    unfiltered = client.get(LIST, {"sort": "-first_seen"}).content.decode()
    assert 'aria-sort="descending"><a href="?sort=first_seen">First seen' in unfiltered
    order = PendingOrder.objects.get(fulfillment_id=1)
    assert f'<a href="{reverse("orders:detail", args=[order.pk])}">1</a>' in html
    seen = timezone.localtime(order.first_seen_at)
    assert f'<time datetime="{seen.isoformat()}" title="{seen:%Y-%m-%d %H:%M:%S}' in html


def test_the_filter_selects_show_what_is_applied(client, viewer, owner_account):
    add_orders(owner_account, 1)
    client.force_login(viewer)
    html = client.get(
        LIST, {"state": "deleted", "page_size": "50", "account": owner_account.pk}
    ).content.decode()
    assert '<option value="deleted" selected>Deleted</option>' in html
    assert '<option value="50" selected>50</option>' in html
    assert f'<option value="{owner_account.pk}" selected>{owner_account.name}</option>' in html
    assert '<option value="" selected>Test or live</option>' in html
    assert html.count(" selected>") == 4
