"""A restore whose save FinerWorks carried out is never taken for one it did not send,
whatever the answer holds (here a lone surrogate in its message, which JSON allows)."""

import pytest

from orders.finerworks import client as fwclient
from orders.models import FinerWorksCall, PendingOrder
from tests.restore_helpers import SAVE, Outcome, deleted_orders, outcomes, restore_deletion

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_save_answered_with_a_lone_surrogate_is_audited_and_restored_once(
    fw, client, restorer, owner_account, monkeypatch
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=901)
    real = fwclient.FinerWorksClient._attempt

    def attempt(self, method, endpoint, payload, n):
        result = real(self, method, endpoint, payload, n)
        if endpoint == SAVE:  # as if FinerWorks' JSON said "message": "ok \ud800"
            object.__setattr__(result, "message", "ok \ud800")
        return result

    monkeypatch.setattr(fwclient.FinerWorksClient, "_attempt", attempt)

    restore, _ = restore_deletion(client, deletion)

    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.RESTORED}
    call = FinerWorksCall.objects.get(endpoint=SAVE)
    assert call.outcome == "ok" and call.status_message == "ok ?"
    assert PendingOrder.objects.get(pk=originals[0].pk).restore_claimed_by_id == restore.pk
    assert len(fw.orders()) == 1
