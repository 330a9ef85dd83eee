"""Every door into fwadmin keeps to the user's scope and fails safe: bidi text, no reset.

A bidi override in a PO is shown visibly (and defused) on the list, the order page, the
confirmation page and the admin changelist; and there is no password reset: its pages are
not reachable and the login pages offer no forgotten-password link.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from tests.every_door_helpers import CREATE, LIST, confirm_url, html
from tests.factories import add_orders

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


# ---------------------------------------------------------------------------- 9. bidi

SPOOF = "RTL\u202egnp.exe"
SHOWN = "<bdi>RTL[U+202E]gnp.exe</bdi>"


@pytest.fixture
def spoofed(owner_account):
    add_orders(owner_account, 1, order_po=SPOOF)
    return PendingOrder.objects.get()


def assert_defused(response) -> None:
    assert response.status_code == HTTPStatus.OK
    text = html(response)
    assert SHOWN in text
    assert "\u202e" not in text


def test_a_bidi_override_in_a_po_is_shown_visibly_on_the_list(client, deleter, spoofed):
    client.force_login(deleter)
    assert_defused(client.get(LIST))


def test_a_bidi_override_in_a_po_is_shown_visibly_on_the_order_page(client, deleter, spoofed):
    client.force_login(deleter)
    assert_defused(client.get(reverse("orders:detail", args=[spoofed.pk])))


def test_a_bidi_override_in_a_po_is_shown_visibly_on_the_confirmation_page(
    client, deleter, spoofed
):
    client.force_login(deleter)
    response = client.post(CREATE, {"orders": [spoofed.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == confirm_url(BulkDeletion.objects.get())
    assert_defused(response)


def test_a_bidi_override_in_a_po_is_shown_visibly_in_the_admin_changelist(client, deleter, spoofed):
    client.force_login(deleter)
    assert_defused(client.get(reverse("admin:orders_pendingorder_changelist")))


# ---------------------------------------------------------------------------- 10. no reset


def test_password_reset_is_not_reachable(client, db):
    for url in ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/"):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url
    assert client.post("/accounts/password_reset/", {"email": "boss@example.com"}).status_code in (
        HTTPStatus.NOT_FOUND,
        HTTPStatus.FORBIDDEN,  # CSRF may answer first; either way nothing is sent
    )


@pytest.mark.parametrize("url", [LOGIN, "/admin/login/"])
def test_the_login_pages_offer_no_forgotten_password_link(client, db, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    text = html(response).lower()
    assert "forgot" not in text and "password_reset" not in text
