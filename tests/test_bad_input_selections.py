"""Bad selections get a clear 4xx or message and change nothing (property-based where it
pays): the selection form takes only positive whole ids, counted once; nonexistent, foreign or
Unicode-digit ids, a select-all for a foreign account and someone else's deletion create or
confirm nothing (the refusals are audited)."""

from http import HTTPStatus

import pytest
from django.http import QueryDict
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from orders.forms import MAX_IDS_POSTED, SelectionForm
from orders.models import BulkDeletion, FinerWorksAccount, FinerWorksCall, PendingOrder
from tests.factories import add_orders

pytestmark = pytest.mark.django_db
LIST = reverse("orders:list")
CREATE = reverse("orders:deletion_create")


def selection(ids, **extra) -> SelectionForm:
    data = QueryDict(mutable=True)
    data.setlist("orders", ids)
    for key, value in extra.items():
        data[key] = value
    return SelectionForm(data)


@given(st.lists(st.text(max_size=25), max_size=30))
def test_the_selection_form_accepts_only_positive_whole_ids(ids):
    form = selection(ids)
    if form.is_valid():
        cleaned = form.cleaned_data["orders"]
        assert cleaned and all(isinstance(i, int) and 0 < i < 10**18 for i in cleaned)
        assert cleaned == sorted(set(cleaned))  # duplicates collapse, order is stable
    else:
        assert form.errors  # a message, never an exception


@pytest.mark.parametrize(
    "ids, message",
    [
        (["abc"], "is not an order id"),
        (["-3"], "is not an order id"),
        (["0"], "is not an order id"),
        (["1.5"], "is not an order id"),
        (["9" * 30], "is not an order id"),
        ([], "Select at least one order"),
        ([str(i) for i in range(1, MAX_IDS_POSTED + 2)], "select all matching"),
    ],
)
def test_bad_selections_get_a_clear_message_and_create_nothing(client, deleter, ids, message):
    client.force_login(deleter)
    response = client.post(CREATE, {"orders": ids}, follow=True)
    assert message in response.content.decode()
    assert BulkDeletion.objects.count() == 0


def test_duplicated_ids_count_once(client, deleter, owner_account):
    add_orders(owner_account, 2)
    order = PendingOrder.objects.first()
    client.force_login(deleter)
    client.post(CREATE, {"orders": [order.pk, order.pk, order.pk]})
    assert BulkDeletion.objects.get().items.count() == 1


def test_nonexistent_ids_alone_create_nothing(client, deleter, owner_account):
    client.force_login(deleter)
    response = client.post(CREATE, {"orders": ["999999"]}, follow=True)
    assert "No pending orders were selected" in response.content.decode()
    assert BulkDeletion.objects.count() == 0


def test_foreign_ids_are_refused_and_audited(client, deleter, owner_account):
    other = FinerWorksAccount.objects.create(name="Other", account_key="other-key-0001")
    add_orders(other, 1, start=500)
    client.force_login(deleter)
    response = client.post(CREATE, {"orders": [PendingOrder.objects.get().pk]})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert BulkDeletion.objects.count() == 0
    assert FinerWorksCall.objects.get().outcome == "refused"


def test_select_all_with_a_foreign_account_filter_is_refused_and_audited(
    client, deleter, owner_account
):
    other = FinerWorksAccount.objects.create(name="Other", account_key="other-key-0001")
    add_orders(other, 3, start=500)
    client.force_login(deleter)
    response = client.post(CREATE, {"select_all": "on", "account": other.pk})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert BulkDeletion.objects.count() == 0
    assert FinerWorksCall.objects.get(outcome="refused").account == other


def test_someone_elses_deletion_cannot_be_confirmed(client, deleter, owner_account):
    from tests.factories import make_user

    add_orders(owner_account, 1)
    client.force_login(deleter)
    url = client.post(CREATE, {"orders": [PendingOrder.objects.get().pk]}).url
    other = make_user("other", "orders.view_pendingorder", "orders.delete_at_finerworks")
    client.force_login(other)
    assert client.post(url, {"confirm": "yes"}).status_code == HTTPStatus.NOT_FOUND
    assert BulkDeletion.objects.get().state == BulkDeletion.State.AWAITING


@pytest.mark.parametrize("digits", ["²", "٣", "①"])
def test_unicode_digits_are_not_ids(client, deleter, owner_account, digits):
    """str.isdigit() accepts these but int() does not (or reads them as ASCII digits)."""
    add_orders(owner_account, 1)
    client.force_login(deleter)
    for params in ({"q": digits}, {"q": f"#{digits}"}, {"page": digits}, {"account": digits}):
        assert client.get(LIST, params).status_code == HTTPStatus.OK
    response = client.post(CREATE, {"orders": [digits]}, follow=True)
    assert "is not an order id" in response.content.decode()
    refused = client.post(CREATE, {"select_all": "on", "account": digits}, follow=True)
    assert refused.status_code in (HTTPStatus.OK, HTTPStatus.FORBIDDEN)
    assert BulkDeletion.objects.count() == 0
