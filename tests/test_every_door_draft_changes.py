"""Every door into fwadmin keeps to the user's scope and fails safe: drafts whose orders change.

A draft whose order another deletion removed, or which went gone, is recounted and sends the
rest; a confirmation refuses when the selection changed since it was shown; discarding a
selection already confirmed elsewhere says so; and a large draft shows every frozen order,
page by page, so that what is shown is what is sent.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from tests.every_door_helpers import confirm_url, draft, html
from tests.every_door_helpers import three_mirrored as three_mirrored  # a fixture
from tests.factories import add_orders
from tests.helpers import confirm, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)


def assert_recounted(client, fw, deletion, still: list) -> None:
    page = client.get(confirm_url(deletion))
    assert page.status_code == HTTPStatus.OK
    text = html(page)
    assert "Delete 2 orders at FinerWorks?" in text and "Delete 3 orders" not in text
    assert "1 of the 3 selected orders is no longer pending" in text
    assert "Yes, delete 2 orders at FinerWorks" in text
    fw.reset_requests()

    confirm(client, confirm_url(deletion))

    assert sorted(sent_ids(fw)) == sorted(o.fulfillment_id for o in still)
    assert set(
        PendingOrder.objects.filter(state="deleted", deleted_by_deletion=deletion).values_list(
            "pk", flat=True
        )
    ) == {o.pk for o in still}


@transactional
def test_a_draft_whose_order_another_deletion_removed_is_recounted_and_sends_the_rest(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    first = draft(client, three_mirrored)
    meanwhile = draft(client, three_mirrored[:1])
    confirm(client, confirm_url(meanwhile))
    assert PendingOrder.objects.get(pk=three_mirrored[0].pk).state == "deleted"

    assert_recounted(client, fw, first, three_mirrored[1:])


@transactional
def test_a_draft_whose_order_went_gone_is_recounted_and_sends_the_rest(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    PendingOrder.objects.filter(pk=three_mirrored[0].pk).update(state="gone")

    assert_recounted(client, fw, deletion, three_mirrored[1:])
    item = deletion.items.get(order=three_mirrored[0])
    assert item.outcome == "not_sent"


def test_a_large_draft_shows_every_frozen_order_page_by_page(client, deleter, owner_account):
    """What is shown is what is sent: the confirmation pages through all 600, not 500."""
    add_orders(owner_account, 600)
    client.force_login(deleter)
    created = client.post(reverse("orders:deletion_create"), {"select_all": "on", "state": ""})
    first = client.get(created.url)
    assert first.content.decode().count('<th scope="row">') == 500
    assert "Page 1 of 2" in first.content.decode()
    next_query = first.context["page"].next_query

    second = client.get(f"{created.url}?{next_query}")

    shown = second.content.decode()
    assert shown.count('<th scope="row">') == 100 and "Page 2 of 2" in shown
    assert ">600<" in shown  # the last frozen id


def test_discarding_a_selection_already_confirmed_elsewhere_says_so(
    client, deleter, fw, owner_account
):
    mirror(fw, 1, seed=90)
    client.force_login(deleter)
    created = client.post(
        reverse("orders:deletion_create"),
        {"orders": list(PendingOrder.objects.values_list("pk", flat=True))},
    )
    deletion = BulkDeletion.objects.get()
    BulkDeletion.objects.filter(pk=deletion.pk).update(state=BulkDeletion.State.QUEUED)

    response = client.post(reverse("orders:deletion_discard", args=[deletion.pk]), follow=True)

    assert created.status_code == HTTPStatus.FOUND
    assert any("was no longer a draft" in m for m in shown_messages(response))
    assert BulkDeletion.objects.get().state == BulkDeletion.State.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_refuses_when_the_selection_changed_since_it_was_shown(
    client, deleter, fw, owner_account
):
    """Shown "delete 1" (two orders held by another deletion), those two freed meanwhile:
    the yes must not send three."""
    orders = mirror(fw, 3, seed=91)
    client.force_login(deleter)
    created = client.post(reverse("orders:deletion_create"), {"orders": [o.pk for o in orders]})
    other = BulkDeletion.objects.create(created_by=deleter, created_by_username="deleter")
    PendingOrder.objects.filter(pk__in=[o.pk for o in orders[1:]]).update(claimed_by=other)
    page = client.get(created.url)
    assert "Yes, delete 1 order at FinerWorks" in page.content.decode()
    assert page.content.decode().count("will not be sent</span>") == 2
    PendingOrder.objects.update(claimed_by=None)

    refused = client.post(created.url, {"confirm": "yes", "shown_count": "1"})

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "The selection changed since the page was shown" in refused.content.decode()
    assert sent_ids(fw) == []
