"""Large deletions through the task queue: select-all-matching, cancelling and progress.

5000 orders selected by filter are confirmed with a typed count and a reason and deleted in
batches through the queue; a cancel during the run lets the chunk in flight finish and sends
nothing more, a cancel before the worker starts sends nothing; the progress endpoint is scoped
like its deletion; and the deletions command lists the deletions.
"""

import math
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse

from orders.finerworks.client import FinerWorksClient
from orders.models import BulkDeletion, PendingOrder
from orders.services import (
    bulk_deletion_cancel,
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_run,
    pending_orders_sync,
)
from tests.background_helpers import Outcome, delete_bodies
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_5000_orders_selected_by_filter_are_deleted_in_batches_through_the_queue(
    client, deleter, fw, owner_account
):
    fw.seed(5000, seed=21)
    pending_orders_sync()
    client.force_login(deleter)

    # Select-all-matching posts the filter, never thousands of id fields.
    response = client.post(reverse("orders:deletion_create"), {"select_all": "on", "state": ""})
    deletion = BulkDeletion.objects.get()
    assert deletion.by_filter and deletion.items.count() == 5000
    page = client.get(response.url)
    assert "Type the number of orders" in page.content.decode()

    missing_reason = client.post(response.url, {"confirm": "yes", "typed_count": "5000"})
    assert missing_reason.status_code == HTTPStatus.BAD_REQUEST
    assert delete_bodies(fw) == []

    done = client.post(
        response.url,
        {"confirm": "yes", "typed_count": "5000", "reason": "bad Excel import"},
        follow=True,
    )

    assert done.status_code == HTTPStatus.OK
    bodies = delete_bodies(fw)
    assert len(bodies) == math.ceil(5000 / 50)
    sent = [i for b in bodies for i in b["ids"]]
    assert len(sent) == len(set(sent)) == 5000
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.FINISHED
    assert deletion.reason == "bad Excel import"
    assert deletion.items.filter(outcome=Outcome.DELETED).count() == 5000
    assert PendingOrder.objects.filter(state="deleted").count() == 5000
    progress = client.get(reverse("orders:deletion_progress", args=[deletion.pk])).json()
    assert progress["percent"] == 100 and progress["done"] and progress["delete_calls"] == 100


def test_a_cancel_during_the_run_lets_the_chunk_in_flight_finish_and_sends_nothing_more(
    fw, deleter, owner_account, settings, monkeypatch
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    fw.seed(6, seed=11)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    real_delete = FinerWorksClient.delete_pending_orders

    def delete_then_cancel(self, ids, account_key=None):
        response = real_delete(self, ids, account_key=account_key)
        # Staff press "cancel" while this first chunk is in flight.
        assert bulk_deletion_cancel(deletion=deletion, user=deleter).startswith("Cancelling")
        return response

    monkeypatch.setattr(FinerWorksClient, "delete_pending_orders", delete_then_cancel)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    [first_chunk] = delete_bodies(fw)
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    sent = deletion.items.filter(fulfillment_id__in=first_chunk["ids"])
    assert set(sent.values_list("outcome", flat=True)) == {Outcome.DELETED}  # verified
    rest = deletion.items.exclude(fulfillment_id__in=first_chunk["ids"])
    assert set(rest.values_list("outcome", "note")) == {(Outcome.NOT_SENT, "Cancelled.")}
    assert PendingOrder.objects.filter(state="deleted").count() == 2
    assert PendingOrder.objects.filter(state="pending").count() == 4
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


def test_cancel_before_the_worker_starts_sends_nothing(client, deleter, fw, owner_account):
    fw.seed(3, seed=2)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)  # queued, no worker yet
    client.force_login(deleter)

    client.post(reverse("orders:deletion_cancel", args=[deletion.pk]))
    bulk_deletion_run(deletion=deletion, acting_user=deleter)  # the worker arrives late

    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert delete_bodies(fw) == []
    assert PendingOrder.objects.filter(state="pending", claimed_by=None).count() == 3


def test_progress_endpoint_is_scoped_like_the_deletion(client, deleter, fw, owner_account):
    fw.seed(2, seed=3)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    url = reverse("orders:deletion_progress", args=[deletion.pk])

    client.force_login(make_user("noperm"))
    assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    client.force_login(deleter)
    body = client.get(url).json()
    assert body["total"] == 2 and body["state"] == "awaiting"
    assert "account_key" not in str(body)


def test_progress_of_another_accounts_deletion_is_not_found(
    client, fw, owner_account, delegated_account, grant
):
    fw.seed(2, seed=3, account_key=delegated_account.account_key)
    pending_orders_sync()
    granted = make_user("granted", "orders.view_pendingorder", "orders.delete_at_finerworks")
    grant(granted, delegated_account)
    deletion = bulk_deletion_create(user=granted, orders=PendingOrder.objects.all())
    outsider = make_user("outsider", "orders.view_pendingorder")
    client.force_login(outsider)
    url = reverse("orders:deletion_progress", args=[deletion.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_the_deletions_command_says_when_there_is_none_and_lists_them_otherwise(
    deleter, fw, owner_account, capsys
):
    call_command("deletions")
    assert capsys.readouterr().out.strip() == "No deletions yet."

    fw.seed(2, seed=3)
    pending_orders_sync()
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())

    call_command("deletions")
    out = capsys.readouterr().out
    assert f"#{deletion.pk}" in out and "0/2 settled" in out and "No deletions" not in out
