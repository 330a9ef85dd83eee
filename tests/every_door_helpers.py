"""Helpers shared by the every-door tests (tests/test_every_door_*.py): the list and draft
URLs, the audit's list call, the delegated account's key, a response's text, the account keys
sent to FinerWorks, three mirrored orders (a fixture), and drafting a deletion of orders with
the URL of its confirmation page."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion
from tests.helpers import mirror

LIST = reverse("orders:list")
CREATE = reverse("orders:deletion_create")
LIST_CALL = "list_pending_orders"
ACME_KEY = "11111111-2222-4333-8444-555555555555"  # conftest's delegated_account


def html(response) -> str:
    return response.content.decode()


def account_keys_sent(fw) -> list:
    return [(r["body"] or {}).get("account_key") for r in fw.requests_for(LIST_CALL)]


@pytest.fixture
def three_mirrored(fw, owner_account):
    return mirror(fw, 3, seed=31)


def draft(client, orders, **filters) -> BulkDeletion:
    response = client.post(CREATE, {"orders": [o.pk for o in orders], **filters})
    assert response.status_code == HTTPStatus.FOUND
    deletion = BulkDeletion.objects.order_by("-pk").first()
    assert response.url == reverse("orders:deletion_confirm", args=[deletion.pk])
    return deletion


def confirm_url(deletion) -> str:
    return reverse("orders:deletion_confirm", args=[deletion.pk])
