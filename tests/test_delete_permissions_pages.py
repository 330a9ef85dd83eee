"""Who may reach which page of the dashboard's deletion flow (list, prepare, confirm, result
page and records): anonymous visitors are sent to the login page, users without the view
permission are forbidden, a viewer sees the orders but may neither prepare nor confirm, and no
deleter confirms someone else's deletion."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from orders.services import bulk_deletion_create
from tests.delete_permissions_helpers import detail_link, select
from tests.delete_permissions_helpers import mine as mine  # a fixture
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def prepared(deleter, mine):
    """A deletion of the owner's orders, prepared by `deleter` and awaiting confirmation."""
    return bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())


# ---------------------------------------------------------------------------- the matrix

PAGES = [
    ("get", "orders:list", False),
    ("post", "orders:deletion_create", False),
    ("get", "orders:deletion_confirm", True),
    ("post", "orders:deletion_confirm", True),
    ("get", "orders:deletion_detail", True),
    ("get", "orders:deletion_records", True),
]


def request_page(client, method, name, needs_pk, deletion, mine):
    url = reverse(name, args=[deletion.pk] if needs_pk else [])
    data = {"orders": [str(o.pk) for o in mine], "confirm": "yes"} if method == "post" else None
    return getattr(client, method)(url, data)


@pytest.mark.parametrize(("method", "name", "needs_pk"), PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(
    client, fw, prepared, mine, method, name, needs_pk
):
    response = request_page(client, method, name, needs_pk, prepared, mine)

    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("login") + "?next=")
    assert fw.requests == []
    assert BulkDeletion.objects.get().state == BulkDeletion.State.AWAITING


@pytest.mark.parametrize(("method", "name", "needs_pk"), PAGES)
def test_a_user_without_the_view_permission_is_forbidden(
    client, fw, prepared, mine, method, name, needs_pk
):
    client.force_login(make_user("nobody"))

    response = request_page(client, method, name, needs_pk, prepared, mine)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert fw.requests == []
    assert BulkDeletion.objects.count() == 1


def test_a_viewer_sees_the_orders_but_no_delete_control(client, viewer, deleter, mine):
    client.force_login(viewer)
    html = client.get(reverse("orders:list")).content.decode()
    assert all(detail_link(o) in html for o in mine)
    assert "Delete at FinerWorks" not in html
    assert 'name="orders"' not in html
    assert 'name="select_all"' not in html

    client.force_login(deleter)  # the same page for a deleter does show them
    html = client.get(reverse("orders:list")).content.decode()
    assert "Delete at FinerWorks" in html
    assert html.count('name="orders"') == len(mine)


def test_a_viewer_may_not_prepare_or_confirm_a_deletion(client, viewer, fw, prepared, mine):
    client.force_login(viewer)
    confirm_url = reverse("orders:deletion_confirm", args=[prepared.pk])

    assert select(client, mine).status_code == HTTPStatus.FORBIDDEN
    assert client.get(confirm_url).status_code == HTTPStatus.FORBIDDEN
    assert client.post(confirm_url, {"confirm": "yes"}).status_code == HTTPStatus.FORBIDDEN

    assert BulkDeletion.objects.count() == 1
    assert BulkDeletion.objects.get().state == BulkDeletion.State.AWAITING
    assert fw.requests == []


def test_another_deleter_may_not_confirm_someone_elses_deletion(client, fw, prepared):
    client.force_login(
        make_user("colleague", "orders.view_pendingorder", "orders.delete_at_finerworks")
    )

    response = client.post(reverse("orders:deletion_confirm", args=[prepared.pk]))

    assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    assert BulkDeletion.objects.get().state == BulkDeletion.State.AWAITING
    assert fw.requests == []
