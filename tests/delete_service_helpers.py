"""Helpers shared by the end-to-end deletion tests (tests/test_delete_service_*.py): the
item outcomes they check, ticking orders for deletion, the mirror's states and a deletion's
outcomes by FinerWorks id, and removing orders at FinerWorks behind fwadmin's back."""

from http import HTTPStatus

from django.urls import reverse

from orders.models import BulkDeletionItem, PendingOrder

Outcome = BulkDeletionItem.Outcome


def prepare(client, orders) -> str:
    """Tick the orders on the list page; return the confirmation page's URL."""
    response = client.post(
        reverse("orders:deletion_create"), {"orders": [str(o.pk) for o in orders]}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "/confirm/" in response.url
    return response.url


def states(orders) -> dict[int, str]:
    rows = PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    return dict(rows.values_list("fulfillment_id", "state"))


def outcomes(deletion) -> dict[int, str]:
    return dict(deletion.items.values_list("fulfillment_id", "outcome"))


def remove_at_finerworks(fw, orders, account_key=None):
    """Someone deleted or submitted these orders at FinerWorks since our last sync."""
    for order in orders:
        fw.submit_order(order.fulfillment_id, account_key)
