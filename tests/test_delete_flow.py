"""The dashboard's delete flow: select, confirm, send in chunks, verify, report."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion, FinerWorksCall, PendingOrder
from orders.services import pending_orders_sync

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mirrored(fw, owner_account):
    fw.seed(8, seed=3)
    pending_orders_sync()
    return list(PendingOrder.objects.order_by("fulfillment_id"))


def select(client, orders, **extra):
    data = {"orders": [str(o.pk) for o in orders], **extra}
    return client.post(reverse("orders:deletion_create"), data)


def test_ticked_orders_are_confirmed_then_deleted_and_verified(client, deleter, fw, mirrored):
    client.force_login(deleter)
    chosen = mirrored[:3]

    response = select(client, chosen)
    deletion = BulkDeletion.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("orders:deletion_confirm", args=[deletion.pk])
    assert fw.requests_for("delete_pending_orders") == []  # nothing sent before confirming

    page = client.get(response.url)
    assert page.status_code == HTTPStatus.OK
    assert "FinerWorks offers no undo" in page.content.decode()
    assert "Yes, delete 3 orders at FinerWorks" in page.content.decode()

    done = client.post(response.url, {"confirm": "yes"}, follow=True)
    assert done.status_code == HTTPStatus.OK
    assert "3 orders deleted at FinerWorks (verified)" in done.content.decode()
    fids = {o.fulfillment_id for o in chosen}
    [sent] = fw.requests_for("delete_pending_orders")
    assert set(sent["body"]["ids"]) == fids and "account_key" not in sent["body"]
    assert fids <= fw.deleted_ids
    assert (
        set(PendingOrder.objects.filter(state="deleted").values_list("fulfillment_id", flat=True))
        == fids
    )
    assert PendingOrder.objects.filter(state="pending").count() == 5
    purposes = list(
        FinerWorksCall.objects.filter(bulk_deletion=deletion)
        .order_by("id")
        .values_list("purpose", flat=True)
    )
    assert purposes == ["preflight", "delete", "verify"]


def test_double_confirmation_runs_once(client, deleter, fw, mirrored):
    client.force_login(deleter)
    url = select(client, mirrored[:2]).url
    client.post(url, {"confirm": "yes"})
    again = client.post(url, {"confirm": "yes"}, follow=True)
    assert "already confirmed" in again.content.decode()
    assert len(fw.requests_for("delete_pending_orders")) == 1


def test_empty_selection_creates_nothing(client, deleter, mirrored):
    client.force_login(deleter)
    response = client.post(reverse("orders:deletion_create"), {}, follow=True)
    assert "Select at least one order" in response.content.decode()
    assert BulkDeletion.objects.count() == 0


def test_non_integer_ids_get_a_clear_message(client, deleter, mirrored):
    client.force_login(deleter)
    response = client.post(reverse("orders:deletion_create"), {"orders": ["1", "abc"]}, follow=True)
    assert "is not an order id" in response.content.decode()
    assert BulkDeletion.objects.count() == 0
