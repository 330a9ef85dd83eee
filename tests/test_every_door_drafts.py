"""Every door into fwadmin keeps to the user's scope and fails safe: draft deletions.

"No, take me back" discards a draft and returns to the filtered list; an expired draft can
neither be confirmed nor opened (and a draft confirmed right at its expiry is not reported
expired); someone else's draft answers 404 and offers no "yes" button; and a draft of an
account no longer granted is not shown. Nothing is ever sent to FinerWorks.
"""

from datetime import timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import BulkDeletion, PendingOrder
from tests.every_door_helpers import LIST, confirm_url, draft, html
from tests.every_door_helpers import three_mirrored as three_mirrored  # a fixture
from tests.factories import add_orders, make_user
from tests.helpers import confirm, sent_ids, shown_messages

pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)


def item_outcomes(deletion) -> set[str]:
    return set(deletion.items.values_list("outcome", flat=True))


@transactional
def test_no_take_me_back_discards_the_draft_and_returns_to_the_filtered_list(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored, source="web", q="PO", page_size="50")

    response = client.post(reverse("orders:deletion_discard", args=[deletion.pk]))

    assert response.status_code == HTTPStatus.FOUND
    back = urlsplit(response.url)
    assert back.path == LIST
    assert parse_qs(back.query) == {"q": ["PO"], "source": ["web"], "page_size": ["50"]}
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert item_outcomes(deletion) == {"not_sent"}
    assert fw.requests == []
    assert "Nothing was deleted" in " ".join(shown_messages(client.get(response.url)))
    again = confirm(client, confirm_url(deletion))
    assert fw.requests == [] and "Yes, delete" not in html(again)


def age(deletion, settings) -> None:
    old = timezone.now() - timedelta(minutes=settings.FWADMIN_DRAFT_EXPIRES_MINUTES + 1)
    BulkDeletion.objects.filter(pk=deletion.pk).update(created_at=old)


@transactional
def test_an_expired_draft_cannot_be_confirmed_and_nothing_is_sent(
    client, fw, deleter, three_mirrored, settings
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    age(deletion, settings)

    response = confirm(client, confirm_url(deletion))

    assert response.status_code == HTTPStatus.OK
    assert sent_ids(fw) == [] and fw.requests == []
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert deletion.error_message.startswith("Expired")
    assert item_outcomes(deletion) == {"not_sent"}
    assert any("expired" in m.lower() for m in shown_messages(response))
    assert PendingOrder.objects.filter(state="pending", claimed_by__isnull=True).count() == 3


@transactional
def test_opening_an_expired_draft_redirects_with_the_expiry_message(
    client, fw, deleter, three_mirrored, settings
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    age(deletion, settings)

    response = client.get(confirm_url(deletion))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("orders:deletion_detail", args=[deletion.pk])
    shown = " ".join(shown_messages(client.get(response.url)))
    assert "Expired" in shown and "Nothing was sent" in shown
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert fw.requests == []


@transactional
def test_someone_elses_draft_answers_404_and_offers_them_no_yes_button(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    other = make_user("other", "orders.view_pendingorder", "orders.delete_at_finerworks")
    client.force_login(other)

    assert client.get(confirm_url(deletion)).status_code == HTTPStatus.NOT_FOUND
    assert confirm(client, confirm_url(deletion)).status_code == HTTPStatus.NOT_FOUND
    discard = client.post(reverse("orders:deletion_discard", args=[deletion.pk]))
    assert discard.status_code == HTTPStatus.NOT_FOUND
    for url in (
        LIST,
        reverse("orders:deletion_list"),
        reverse("orders:deletion_detail", args=[deletion.pk]),
        reverse("orders:detail", args=[three_mirrored[0].pk]),
    ):
        page = client.get(url)
        assert page.status_code in (HTTPStatus.OK, HTTPStatus.NOT_FOUND), url
        assert "Yes, delete" not in html(page), url
        assert confirm_url(deletion) not in html(page), url
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.AWAITING
    assert fw.requests == []


def test_a_draft_confirmed_at_its_expiry_is_not_reported_expired(deleter, owner_account):
    from orders.services import bulk_deletion_draft_expire

    add_orders(owner_account, 1)
    deletion = BulkDeletion.objects.create(
        created_by=deleter,
        created_by_username="deleter",
        created_at=timezone.now() - timedelta(hours=2),
    )
    # Read as a draft by this request; meanwhile the other submit confirmed it.
    BulkDeletion.objects.filter(pk=deletion.pk).update(state=BulkDeletion.State.QUEUED)

    assert deletion.state == BulkDeletion.State.AWAITING
    assert bulk_deletion_draft_expire(deletion) is False
    assert BulkDeletion.objects.get(pk=deletion.pk).state == BulkDeletion.State.QUEUED


def test_a_draft_of_an_account_no_longer_granted_is_not_shown(
    client, deleter, owner_account, delegated_account, grant
):
    granted = grant(deleter, delegated_account)
    add_orders(delegated_account, 2, start=500, order_po="SECRET-PO")
    client.force_login(deleter)
    ticked = list(PendingOrder.objects.values_list("pk", flat=True))
    created = client.post(reverse("orders:deletion_create"), {"orders": ticked})
    granted.delete()

    page = client.get(created.url)

    assert page.status_code == HTTPStatus.FORBIDDEN
    assert "SECRET-PO" not in page.content.decode()
