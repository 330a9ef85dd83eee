"""Helpers shared by the dashboard list view tests (tests/test_order_list_*.py): a delegated
account "Acme" (a fixture) and the fulfillment ids a list response shows."""

import pytest

from orders.models import FinerWorksAccount


@pytest.fixture
def acme(db):
    return FinerWorksAccount.objects.create(name="Acme", account_key="acme-key-0001")


def ids_in(response):
    return [row["fulfillment_id"] for row in response.context["page"].object_list]
