"""Forged selections posted to the dashboard's deletion flow: nonexistent, non-integer and
already deleted ids are dropped with a clear message, never sent, and a selection of nothing
else creates no deletion."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion
from tests.delete_permissions_helpers import mine as mine  # a fixture
from tests.delete_permissions_helpers import select
from tests.helpers import confirm, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)


def test_nonexistent_ids_are_dropped_and_never_sent(client, deleter, fw, mine):
    client.force_login(deleter)

    response = select(client, [mine[0].pk, 987654])
    assert response.status_code == HTTPStatus.FOUND
    done = confirm(client, response.url)

    deletion = BulkDeletion.objects.get()
    assert list(deletion.items.values_list("order_id", flat=True)) == [mine[0].pk]
    assert sent_ids(fw) == [mine[0].fulfillment_id]
    assert any("1 order deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_only_nonexistent_ids_give_a_clear_message_and_create_nothing(client, deleter, fw, mine):
    client.force_login(deleter)

    response = select(client, [987654, 987655], follow=True)

    assert any("No pending orders were selected." in m for m in shown_messages(response))
    assert BulkDeletion.objects.count() == 0
    assert fw.requests == []


@pytest.mark.parametrize("forged", ["12abc", "-3", "1.5", "0x10", " 7"])
def test_non_integer_ids_get_a_clear_message_and_create_nothing(client, deleter, fw, mine, forged):
    client.force_login(deleter)

    response = client.post(
        reverse("orders:deletion_create"), {"orders": [str(mine[0].pk), forged]}, follow=True
    )

    assert response.status_code == HTTPStatus.OK
    assert any("is not an order id" in m for m in shown_messages(response))
    assert BulkDeletion.objects.count() == 0
    assert fw.requests == []


def test_already_deleted_orders_are_dropped_and_never_sent_again(client, deleter, fw, mine):
    client.force_login(deleter)
    confirm(client, select(client, mine[:1]).url)
    fw.reset_requests()

    response = select(client, mine[:2])
    done = confirm(client, response.url)

    second = BulkDeletion.objects.order_by("-pk").first()
    assert list(second.items.values_list("order_id", flat=True)) == [mine[1].pk]
    assert sent_ids(fw) == [mine[1].fulfillment_id]
    assert any("1 order deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_selecting_only_already_deleted_orders_creates_nothing(client, deleter, fw, mine):
    client.force_login(deleter)
    confirm(client, select(client, mine[:1]).url)
    fw.reset_requests()

    response = select(client, mine[:1], follow=True)

    assert any("No pending orders were selected." in m for m in shown_messages(response))
    assert BulkDeletion.objects.count() == 1
    assert fw.requests == []
