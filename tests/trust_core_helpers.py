"""Helpers shared by the trust core tests (tests/test_trust_core_*.py): the outcomes and
states they check, ticking orders for deletion, refreshing the mirror, removing orders at
FinerWorks behind fwadmin's back, the latest sync call of an account and a hook run right
after fwadmin's first delete request got its answer."""

from django.urls import reverse

from orders.finerworks.client import FinerWorksClient
from orders.models import BulkDeletionItem, FinerWorksCall, PendingOrder

# Ticking, states and outcomes as the deletion service tests have them (one copy).
from tests.delete_service_helpers import outcomes as outcomes
from tests.delete_service_helpers import prepare as prepare
from tests.delete_service_helpers import remove_at_finerworks as remove_at_finerworks
from tests.delete_service_helpers import states as states

Outcome = BulkDeletionItem.Outcome
State = PendingOrder.State
LIST = "list_pending_orders"


def notes(deletion) -> dict[int, str]:
    return dict(deletion.items.values_list("fulfillment_id", "note"))


def refresh(client):
    return client.post(reverse("orders:refresh"), follow=True)


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
