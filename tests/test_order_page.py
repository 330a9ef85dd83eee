"""An order's page: every item in a table, the recipient's address in lines, the record
folded, untrusted JSON that never breaks the page, and a single-order "Delete at
FinerWorks…" through the normal confirmation."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, pending_orders_sync
from tests.helpers import DELETE

pytestmark = pytest.mark.django_db(transaction=True)

DELETE_FORM = re.compile(r'<form [^>]*class="delete-one">(.*?)</form>', re.S)
POSTED_ID = re.compile(r'name="orders" value="(\d+)"')
RECORD = {
    "order_po": "PO-PAGE-1",
    "source": "web",
    "shipping_code": "SD",
    "test_mode": False,
    "recipient": {
        "first_name": "Ann",
        "last_name": "Lee",
        "company_name": "Lee Prints",
        "address_1": "1 Main St",
        "address_2": "Suite 5",
        "city": "Springfield",
        "state_code": "IL",
        "zip_postal_code": "62701",
        "country_code": "US",
        "phone": "+1-555-0100",
        "email": "ann@example.test",
    },
    "order_items": [
        {
            "product_sku": "SKU-A",
            "product_title": "First print",
            "product_qty": 2,
            "product_image": {"product_url_file": "https://img.example.test/a.jpg"},
        },
        {
            "product_sku": "SKU-B",
            "product_title": "Second print",
            "product_qty": 1,
            "product_image": {"product_url_file": "javascript:alert(1)"},
        },
        {"product_sku": "SKU-C", "product_title": "Third print", "product_qty": 3},
    ],
}


@pytest.fixture
def order(fw, owner_account):
    record = fw.add_order(RECORD)
    pending_orders_sync()
    fw.reset_requests()
    return PendingOrder.objects.get(fulfillment_id=record["fulfillment_id"])


def page_of(client, order) -> str:
    response = client.get(reverse("orders:detail", args=[order.pk]))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_the_items_table_shows_every_item_not_just_the_first(client, viewer, order):
    client.force_login(viewer)

    table = page_of(client, order).split('<table class="order-items">')[1].split("</table>")[0]

    for sku, title, qty in [("A", "First", 2), ("B", "Second", 1), ("C", "Third", 3)]:
        assert f"<td><bdi>SKU-{sku}</bdi></td><td><bdi>{title} print</bdi></td>" in table
        assert f'<td class="num"><bdi>{qty}</bdi></td>' in table


def test_the_recipients_address_is_laid_out_in_lines(client, viewer, order):
    client.force_login(viewer)

    page = page_of(client, order)

    lines = re.search(r'<address class="recipient">(.*?)</address>', page, re.S).group(1)
    assert re.findall(r"<bdi>(.*?)</bdi>", lines) == [
        "Ann Lee",
        "Lee Prints",
        "1 Main St",
        "Suite 5",
        "Springfield, IL 62701",
        "US",
        "+1-555-0100",
        "ann@example.test",
    ]


def test_the_raw_record_is_folded_under_a_summary(client, viewer, order):
    client.force_login(viewer)

    page = page_of(client, order)

    folded = re.search(r"<details[^>]*>(.*?)</details>", page, re.S).group(1)
    assert "<summary>Record as FinerWorks listed it</summary>" in folded
    assert "&quot;product_sku&quot;: &quot;SKU-C&quot;" in folded


def test_only_http_image_urls_become_links_opened_safely(client, viewer, order):
    client.force_login(viewer)

    page = page_of(client, order)

    assert (
        '<a href="https://img.example.test/a.jpg" target="_blank" rel="noopener noreferrer">'
        in page
    )
    assert 'href="javascript:' not in page
    assert "<bdi>javascript:alert(1)</bdi> <small>(not a web address: no link)</small>" in page


BROKEN_RECORDS = {
    "items a string, recipient a string": {"order_items": "three prints", "recipient": "Ann"},
    "items an object, recipient a list": {"order_items": {"product_sku": "S"}, "recipient": []},
    "odd entries and field types": {
        "order_items": [
            1,
            "x",
            None,
            {"product_sku": ["a"], "product_qty": {"n": 2}, "product_image": "https://x.test/"},
            {"product_image": {"product_url_file": ["https://x.test/"]}},
        ],
        "recipient": {"first_name": 5, "city": None, "zip_postal_code": 62701, "email": {}},
    },
    "no fields at all": {},
    "a list, not an object": [1, 2],
    "a string, not an object": "record",
}


@pytest.mark.parametrize("raw", BROKEN_RECORDS.values(), ids=BROKEN_RECORDS)
def test_a_record_of_unexpected_shape_renders_without_error(client, deleter, order, raw):
    PendingOrder.objects.filter(pk=order.pk).update(raw=raw)
    client.force_login(deleter)

    page = page_of(client, order)

    assert "<summary>Record as FinerWorks listed it</summary>" in page
    assert "Delete at FinerWorks…" in page


def test_odd_item_entries_are_counted_and_odd_fields_shown_as_text(client, viewer, order):
    PendingOrder.objects.filter(pk=order.pk).update(
        raw=BROKEN_RECORDS["odd entries and field types"]
    )
    client.force_login(viewer)

    page = page_of(client, order)

    assert "3 item entries of the record could not be read" in page
    assert "<bdi>[&quot;a&quot;]</bdi>" in page  # a list where a SKU was expected
    assert 'href="https://x.test/' not in page  # an image that is no object, or no string
    assert "<bdi>5</bdi>" in page and "<bdi>62701</bdi>" in page


# ---------------------------------------------------------------------------- delete one


def test_the_delete_button_leads_to_a_confirmation_page_for_exactly_that_order(
    client, deleter, fw, order, owner_account
):
    other = fw.add_order({**RECORD, "order_po": "PO-OTHER"})
    pending_orders_sync()
    fw.reset_requests()
    client.force_login(deleter)
    [form] = DELETE_FORM.findall(page_of(client, order))

    response = client.post(reverse("orders:deletion_create"), {"orders": POSTED_ID.findall(form)})

    draft = BulkDeletion.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("orders:deletion_confirm", args=[draft.pk])
    assert list(draft.items.values_list("order_id", flat=True)) == [order.pk]
    assert other["fulfillment_id"] not in set(draft.items.values_list("fulfillment_id", flat=True))
    confirm_page = client.get(response.url).content.decode()
    assert "Yes, delete 1 order at FinerWorks" in confirm_page
    assert fw.requests_for(DELETE) == []  # nothing sent before the "yes"


@pytest.mark.parametrize("state", ["deleted", "gone"])
def test_there_is_no_delete_button_for_an_order_no_longer_pending(client, deleter, order, state):
    PendingOrder.objects.filter(pk=order.pk).update(state=state)
    client.force_login(deleter)

    assert 'class="delete-one"' not in page_of(client, order)


def test_there_is_no_delete_button_for_an_order_another_deletion_holds(client, deleter, order):
    holder = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.filter(pk=order.pk))
    bulk_deletion_confirm(deletion=holder, user=deleter)  # claims it; no worker runs here
    client.force_login(deleter)

    assert 'class="delete-one"' not in page_of(client, order)


def test_there_is_no_delete_button_for_a_viewer(client, viewer, order):
    client.force_login(viewer)

    page = page_of(client, order)

    assert 'class="delete-one"' not in page
    assert "Delete at FinerWorks…" not in page
