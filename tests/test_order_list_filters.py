"""The dashboard list view: search, filters and sorting.

By default it lists pending orders newest first, with counts; the search matches the start of
a PO, name, email or id in any case; filters combine; bad sort keys fall back to the defaults;
the column headers sort within the filters; and the filter selects show what is applied.
"""

from http import HTTPStatus

from django.urls import reverse
from django.utils import timezone

from orders.models import PendingOrder
from tests.factories import add_orders
from tests.order_list_helpers import ids_in

LIST = reverse("orders:list")


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


def test_search_matches_any_part_of_a_field_in_any_case(client, viewer, owner_account):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    assert ids_in(client.get(LIST, {"q": "po-29"})) == [29]
    assert ids_in(client.get(LIST, {"q": "ANN7 "})) == [7]
    # The middle of a field matches too (the admin's icontains): the surname, a PO's end.
    assert sorted(ids_in(client.get(LIST, {"q": "Lee", "page_size": 50}))) == list(range(1, 31))
    assert ids_in(client.get(LIST, {"q": "-29"})) == [29]


def test_headers_sort_within_the_filters_and_rows_link_and_date_each_order(
    client, viewer, owner_account
):
    add_orders(owner_account, 2, source="excel")
    client.force_login(viewer)
    html = client.get(LIST, {"source": "excel", "sort": "fulfillment_id"}).content.decode()
    # The current sort column says so and links to the reverse order, keeping the filter.
    assert (
        '<th scope="col" class="col-1" aria-sort="ascending">'
        '<a href="?source=excel&amp;sort=-fulfillment_id">'
        'Id <span aria-hidden="true">▲</span></a></th>'
    ) in html
    assert (
        '<th scope="col" class="col-2"><a href="?source=excel&amp;sort=order_po">Order PO</a></th>'
    ) in html
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
    assert html.count('<option value="" selected>Any</option>') == 2  # source, shipping
    assert html.count(" selected>") == 6
