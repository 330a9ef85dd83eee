"""The dashboard list view: access and scoping.

Anonymous users are sent to login and users without the view permission get 403; viewers see
the owner account's orders and only the accounts granted to them, superusers every account,
and the order page is scoped the same way. Hostile text is escaped, the refresh button syncs
and reports, and an empty list tells staff what to do.
"""

from http import HTTPStatus

from django.urls import reverse

from orders.models import PendingOrder
from tests.factories import add_orders, make_user
from tests.order_list_helpers import acme as acme  # a fixture
from tests.order_list_helpers import ids_in

LIST = reverse("orders:list")


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(LIST)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login"))


def test_site_root_redirects_to_the_list(client, viewer):
    client.force_login(viewer)
    assert client.get("/").url == LIST


def test_users_without_view_permission_get_403(client, db):
    client.force_login(make_user("nobody"))
    assert client.get(LIST).status_code == HTTPStatus.FORBIDDEN


def test_viewers_see_owner_orders_but_not_ungranted_accounts(
    client, viewer, owner_account, acme, grant
):
    add_orders(owner_account, 3)
    add_orders(acme, 2, start=100)
    client.force_login(viewer)
    assert sorted(ids_in(client.get(LIST))) == [1, 2, 3]
    # A forged account filter is a form error, never a peek at the other account.
    forged = client.get(LIST, {"account": acme.pk})
    assert forged.context["form"].errors and 100 not in ids_in(forged)

    grant(viewer, acme)
    assert sorted(ids_in(client.get(LIST))) == [1, 2, 3, 100, 101]


def test_superusers_see_every_account(client, admin_user, owner_account, acme):
    add_orders(owner_account, 1)
    add_orders(acme, 1, start=100)
    client.force_login(admin_user)
    assert sorted(ids_in(client.get(LIST))) == [1, 100]


def test_hostile_text_is_escaped(client, viewer, owner_account):
    add_orders(owner_account, 1, order_po="<script>alert(1)</script>")
    client.force_login(viewer)
    html = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_order_detail_shows_raw_record_and_is_scoped(client, viewer, owner_account, acme):
    add_orders(owner_account, 1)
    add_orders(acme, 1, start=100)
    client.force_login(viewer)
    mine = PendingOrder.objects.get(fulfillment_id=1)
    theirs = PendingOrder.objects.get(fulfillment_id=100)
    assert (
        "&quot;order_po&quot;: &quot;PO-1&quot;"
        in client.get(reverse("orders:detail", args=[mine.pk])).content.decode()
    )
    assert client.get(reverse("orders:detail", args=[theirs.pk])).status_code == 404


def test_refresh_button_syncs_and_reports(
    client, viewer, fw, owner_account, django_capture_on_commit_callbacks
):
    fw.seed(3, seed=9)
    client.force_login(viewer)
    assert client.get(reverse("orders:refresh")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    with django_capture_on_commit_callbacks(execute=True):  # the queued sync runs
        answer = client.post(reverse("orders:refresh"))
    response = client.get(answer.url)
    assert "Synced" in response.content.decode() and "3 new" in response.content.decode()
    assert PendingOrder.objects.count() == 3


def test_empty_list_tells_staff_what_to_do(client, viewer, owner_account):
    client.force_login(viewer)
    assert "Refresh from FinerWorks" in client.get(LIST).content.decode()
