"""Helpers shared by the restore tests: delete orders through the dashboard, restore them
through it, and read what the sandbox and the mirror hold afterwards."""

from http import HTTPStatus

from django.urls import reverse

from orders.models import BulkDeletion, BulkRestore, BulkRestoreItem, PendingOrder
from orders.services import pending_orders_sync
from tests.delete_service_helpers import prepare
from tests.factories import make_user
from tests.helpers import confirm, mirror

SAVE = "save_pending_orders"
Outcome = BulkRestoreItem.Outcome


def restorer_user(name="restorer"):
    return make_user(
        name,
        "orders.view_pendingorder",
        "orders.delete_at_finerworks",
        "orders.restore_at_finerworks",
    )


def deleted_orders(fw, client, n, *, seed, account=None):
    """Mirror n orders, delete them through the dashboard; (deletion, orders) once done."""
    orders = mirror(fw, n, seed=seed, account=account)
    confirm(client, prepare(client, orders))
    deletion = BulkDeletion.objects.latest("pk")
    assert set(deletion.items.values_list("outcome", flat=True)) == {"deleted"}
    fw.reset_requests()
    return deletion, [PendingOrder.objects.get(pk=o.pk) for o in orders]


def delete_everything(fw, client) -> BulkDeletion:
    """Mirror what the sandbox lists, delete all of it through the dashboard."""
    pending_orders_sync()
    confirm(client, prepare(client, list(PendingOrder.objects.order_by("fulfillment_id"))))
    fw.reset_requests()
    return BulkDeletion.objects.latest("pk")


def start_restore(client, **target) -> str:
    """Press "Restore at FinerWorks…" for a deletion or an order; the confirmation URL."""
    response = client.post(reverse("orders:restore_create"), target)
    assert response.status_code == HTTPStatus.FOUND, response
    assert "/confirm/" in response.url, response.url
    return response.url


def restore_deletion(client, deletion):
    """Start and confirm the restore of a whole deletion; (restore, result page)."""
    page = confirm(client, start_restore(client, deletion=deletion.pk))
    return BulkRestore.objects.latest("pk"), page


def outcomes(restore) -> dict[int, str]:
    return dict(restore.items.values_list("fulfillment_id", "outcome"))


def saved_orders(fw) -> list[dict]:
    return [order for r in fw.requests_for(SAVE) for order in r["body"]["orders"]]


def without_id(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "fulfillment_id"}
