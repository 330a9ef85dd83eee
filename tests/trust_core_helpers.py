"""Helpers shared by the trust core tests (tests/test_trust_core_*.py): the outcomes and
states they check, ticking orders for deletion, refreshing the mirror, removing orders at
FinerWorks behind fwadmin's back, the latest sync call of an account and a hook run right
after fwadmin's first delete request got its answer."""

from http import HTTPStatus

from django.urls import reverse

from orders.finerworks.client import FinerWorksClient
from orders.models import BulkDeletionItem, FinerWorksCall, PendingOrder

Outcome = BulkDeletionItem.Outcome
State = PendingOrder.State
LIST = "list_pending_orders"


def prepare(client, orders) -> str:
    """Tick the orders on the list page; return the confirmation page's URL."""
    response = client.post(
        reverse("orders:deletion_create"), {"orders": [str(o.pk) for o in orders]}
    )
    assert response.status_code == HTTPStatus.FOUND
    return response.url


def states(orders) -> dict[int, str]:
    rows = PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    return dict(rows.values_list("fulfillment_id", "state"))


def outcomes(deletion) -> dict[int, str]:
    return dict(deletion.items.values_list("fulfillment_id", "outcome"))


def notes(deletion) -> dict[int, str]:
    return dict(deletion.items.values_list("fulfillment_id", "note"))


def refresh(client):
    return client.post(reverse("orders:refresh"), follow=True)


def remove_at_finerworks(fw, orders, account_key=None):
    """Someone deleted or submitted these orders at FinerWorks since our last sync."""
    for order in orders:
        fw.submit_order(order.fulfillment_id, account_key)


def last_sync_call(account) -> FinerWorksCall:
    return FinerWorksCall.objects.filter(endpoint=LIST, purpose="sync", account=account).latest(
        "id"
    )


def after_first_delete(monkeypatch, action):
    """Run `action` once, right after fwadmin's first delete request got its answer."""
    real = FinerWorksClient.delete_pending_orders
    calls = []

    def delete_pending_orders(self, ids, account_key=None):
        try:
            return real(self, ids, account_key=account_key)
        finally:
            calls.append(list(ids))
            if len(calls) == 1:
                action()

    monkeypatch.setattr(FinerWorksClient, "delete_pending_orders", delete_pending_orders)
