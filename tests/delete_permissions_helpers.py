"""Helpers shared by the dashboard permission tests (tests/test_delete_permissions_*.py):
posting a selection from the list page, an order's detail link and the `mine` fixture (three
mirrored owner orders)."""

import pytest
from django.urls import reverse

from tests.helpers import mirror


def select(client, orders, *, follow=False):
    """Tick orders (or raw local ids) on the list page and post the selection."""
    data = {"orders": [str(getattr(o, "pk", o)) for o in orders]}
    return client.post(reverse("orders:deletion_create"), data, follow=follow)


def detail_link(order) -> str:
    return f'href="{reverse("orders:detail", args=[order.pk])}"'


@pytest.fixture
def mine(fw, owner_account):
    return mirror(fw, 3, seed=31)
