"""Every door into fwadmin keeps to the user's scope and fails safe: odd query strings.

A bad deletion filter on the audit, a list cursor holding a huge number, a forged cursor for
any sort and a stale Previous link whose earlier rows have all gone answer below 500; the
list's Next link holds a cursor of the sort values, and the deletion and audit pages link to
their next page.
"""

import base64
import json
from http import HTTPStatus
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from orders.models import FinerWorksCall, PendingOrder
from orders.views.order_page import decode_cursor, encode_cursor
from tests.every_door_helpers import LIST, LIST_CALL
from tests.factories import add_orders

pytestmark = pytest.mark.django_db


BAD_IDS = ["abc", "-1", "1.5", "%00", "9223372036854775808", "", "0", "1e3", "%EF%BF%BD"]


@pytest.mark.parametrize("name", ["orders:call_list", "orders:call_csv"])
@pytest.mark.parametrize("value", BAD_IDS)
def test_a_bad_deletion_filter_on_the_audit_answers_below_500(
    client, viewer, owner_account, name, value
):
    FinerWorksCall.objects.create(endpoint=LIST_CALL, outcome="ok", account=owner_account)
    client.force_login(viewer)
    response = client.get(f"{reverse(name)}?deletion={value}")
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


def next_cursor(client) -> tuple[str, dict]:
    """The `after` cursor of the list's Next link, decoded, and the rest of its query."""
    response = client.get(LIST, {"page_size": 25})
    query = parse_qs(response.context["page"].next_query)
    [after] = query.pop("after")
    return after, {k: v[0] for k, v in query.items()}


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_the_next_link_holds_a_cursor_of_the_sort_values(client, viewer, owner_account):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    after, _ = next_cursor(client)
    ordering = ["-first_seen_at", "-fulfillment_id", "-id"]
    assert decode_cursor(after, ordering) is not None
    assert encode_cursor(json.loads(base64.urlsafe_b64decode(after + "=="))) == after


HUGE = [2**64, -(2**64), 2**63, float("inf"), float("-inf"), float("nan"), 1e308]


@pytest.mark.parametrize("slot", [1, 2])
@pytest.mark.parametrize("value", HUGE, ids=repr)
def test_a_list_cursor_holding_a_huge_number_answers_below_500(
    client, viewer, owner_account, slot, value
):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    after, rest = next_cursor(client)
    values = json.loads(base64.urlsafe_b64decode(after + "=="))
    values[slot] = value
    for key in ("after", "before"):
        response = client.get(LIST, {**rest, key: cursor(values)})
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST), key


@pytest.mark.parametrize(
    "sort, values",
    [
        pytest.param("fulfillment_id", [2**64, 1], id="id-beyond-64-bits"),
        pytest.param("fulfillment_id", [1, 2**64], id="pk-beyond-64-bits"),
        pytest.param("order_po", ["PO-\x00", 1, 1], id="nul-in-po"),
        pytest.param("account", ["\x00", 1, 1], id="nul-in-account-name"),
        pytest.param("-first_seen", ["9999-12-31T23:59:59-23:59", 1, 1], id="time-past-9999-utc"),
        pytest.param("-first_seen", ["0001-01-01T00:00:00+23:59", 1, 1], id="time-before-1-utc"),
        pytest.param("-first_seen", [1e308, 1, 1], id="number-as-time"),
        pytest.param("test_mode", ["maybe", 1, 1], id="word-as-boolean"),
        pytest.param("recipient", [{"a": 1}, [1], None], id="objects-as-values"),
    ],
)
def test_a_forged_cursor_for_any_sort_answers_below_500(
    client, viewer, owner_account, sort, values
):
    add_orders(owner_account, 3)
    client.force_login(viewer)
    response = client.get(LIST, {"sort": sort, "after": cursor(values)})
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize("sort", ["fulfillment_id", "-fulfillment_id", "order_po", "-first_seen"])
def test_a_previous_link_whose_earlier_rows_have_all_gone_answers_below_500(
    client, viewer, owner_account, sort
):
    """A stale Previous link: the orders of pages 1 and 2 were submitted since page 3 was
    shown, so nothing comes before its first row any more."""
    add_orders(owner_account, 60)
    client.force_login(viewer)
    page = client.get(LIST, {"sort": sort}).context["page"]
    shown = [row["id"] for row in page.object_list]
    for _ in range(2):
        page = client.get(f"{LIST}?{page.next_query}").context["page"]
        shown += [row["id"] for row in page.object_list]
    previous = page.previous_query
    assert page.number == 3 and "before=" in previous
    PendingOrder.objects.filter(pk__in=shown[:50]).update(state="gone")

    response = client.get(f"{LIST}?{previous}")

    assert response.status_code == HTTPStatus.OK


def test_the_deletion_and_audit_pages_link_to_their_next_page(client, admin_user, owner_account):
    for _ in range(60):
        FinerWorksCall.objects.create(endpoint="list_pending_orders", outcome="ok", attempt=1)
    client.force_login(admin_user)
    page = client.get(reverse("orders:call_list"), {"endpoint": "list_pending_orders"})
    link = page.context["page"].next_query
    assert "page=2" in link and "endpoint=list_pending_orders" in link
    assert client.get(reverse("orders:call_list") + "?" + link).context["page"].number == 2
