"""Saved views of the order list and its density.

A view is the list's query string under a name: saving one lists it under "Saved views"
with a link that applies it; names are per owner; a view needs a filter and keeps only
the list's parameters; a shared view is offered to others (never one naming an account
they may not see, and its link never shows that account); only the owner deletes it. The
density is remembered across log-ins. Bad input is refused with a message, never a 500.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils.html import escape

from orders.models import ListPreference, SavedView
from tests.factories import add_orders
from tests.order_list_helpers import ids_in

LIST = reverse("orders:list")
CREATE = reverse("orders:view_create")
DENSITY = reverse("orders:density")


def _save(client, query, name, *, shared=False):
    data = {"query": query, "name": name, **({"shared": "on"} if shared else {})}
    return client.post(CREATE, data, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _offered(response) -> list[str]:
    return [view.name for view in response.context["saved_views"]]


def test_a_saved_view_is_listed_with_a_link_that_gives_the_same_rows(client, viewer, owner_account):
    add_orders(owner_account, 3, source="excel")
    add_orders(owner_account, 3, start=10)
    client.force_login(viewer)
    query = "source=excel&sort=fulfillment_id"
    filtered = client.get(f"{LIST}?{query}")

    response = _save(client, query, "Excel orders")

    assert response.redirect_chain == [(f"{LIST}?{query}", HTTPStatus.FOUND)]
    assert "View “Excel orders” saved." in _messages(response)
    view = SavedView.objects.get()
    assert (view.owner, view.query, view.shared) == (viewer, query, False)
    html = client.get(LIST).content.decode()
    assert "Saved views (1)" in html
    assert f'<a href="?{escape(query)}">Excel orders</a>' in html
    applied = client.get(f"{LIST}?{view.query}")
    assert ids_in(applied) == ids_in(filtered) == [1, 2, 3]


def test_a_view_name_is_per_owner_and_a_second_one_is_refused_clearly(
    client, viewer, deleter, owner_account
):
    client.force_login(viewer)
    _save(client, "source=web", "Mine")

    for name in ("Mine", "  Mine  "):
        response = _save(client, "test_mode=yes", name)
        assert response.status_code == HTTPStatus.OK
        assert "You already have a view named “Mine”." in _messages(response)
    assert list(SavedView.objects.values_list("query", flat=True)) == ["source=web"]

    client.force_login(deleter)  # another owner may use the same name
    assert "View “Mine” saved." in _messages(_save(client, "test_mode=yes", "Mine"))
    assert SavedView.objects.filter(name="Mine").count() == 2


@pytest.mark.parametrize("query", ["", "page=2", "after=abc&before=x&last=1", "bogus=1", "q=+"])
def test_a_view_without_any_filter_is_refused(client, viewer, query):
    client.force_login(viewer)

    response = _save(client, query, "Nothing")

    assert "Search or filter first: there is nothing to save." in _messages(response)
    assert not SavedView.objects.exists()


def test_the_unfiltered_list_offers_no_save_form(client, viewer, owner_account):
    client.force_login(viewer)

    html = client.get(LIST, {"page": "2"}).content.decode()

    assert "Search or filter, then name the view here." in html
    assert CREATE not in html


def test_only_the_lists_parameters_are_kept(client, viewer, owner_account):
    client.force_login(viewer)
    query = "q=lee&page=3&after=CURSOR&last=1&evil=%3Cx%3E&sort=-order_po&csrfmiddlewaretoken=t"

    response = _save(client, query, "Lee")

    assert SavedView.objects.get().query == "q=lee&sort=-order_po"
    assert response.redirect_chain[0][0] == f"{LIST}?q=lee&sort=-order_po"


def test_a_shared_view_is_offered_to_others_but_only_its_owner_deletes_it(
    client, viewer, deleter, owner_account
):
    client.force_login(viewer)
    _save(client, "source=web", "Team: web", shared=True)
    _save(client, "test_mode=yes", "Private")
    shared, private = SavedView.objects.get(shared=True), SavedView.objects.get(shared=False)

    client.force_login(deleter)
    page = client.get(LIST)
    assert _offered(page) == ["Team: web"]
    assert "shared by viewer" in page.content.decode()
    assert reverse("orders:view_delete", args=[shared.pk]) not in page.content.decode()
    for view in (shared, private):
        response = client.post(reverse("orders:view_delete", args=[view.pk]), follow=True)
        assert "Only your own views can be deleted." in _messages(response)
    assert SavedView.objects.count() == 2

    client.force_login(viewer)
    response = client.post(reverse("orders:view_delete", args=[shared.pk]), follow=True)
    assert "View deleted." in _messages(response)
    assert list(SavedView.objects.all()) == [private]


def test_a_shared_view_naming_an_unseen_account_is_not_offered_and_shows_nothing_of_it(
    client, viewer, deleter, owner_account, delegated_account, grant
):
    add_orders(owner_account, 2, start=1)
    add_orders(delegated_account, 2, start=100)
    grant(deleter, delegated_account)
    client.force_login(deleter)
    acme_query = f"account={delegated_account.pk}"
    _save(client, acme_query, "Acme only", shared=True)
    _save(client, "source=web", "All web", shared=True)
    assert _offered(client.get(LIST)) == ["Acme only", "All web"]
    assert sorted(ids_in(client.get(f"{LIST}?{acme_query}"))) == [100, 101]

    client.force_login(viewer)
    page = client.get(LIST)
    assert _offered(page) == ["All web"]
    assert "Acme only" not in page.content.decode()
    followed = client.get(f"{LIST}?{acme_query}")  # the link, followed anyway
    assert followed.status_code == HTTPStatus.OK
    assert "account" in followed.context["form"].errors
    assert sorted(ids_in(followed)) == [1, 2]
    assert "Acme Prints" not in followed.content.decode()
    assert client.get(f"{reverse('orders:count')}?{acme_query}").json() == {"count": 2}

    grant(viewer, delegated_account)
    assert _offered(client.get(LIST)) == ["Acme only", "All web"]


def test_the_density_toggle_is_remembered_after_logging_out_and_in(client, viewer, owner_account):
    add_orders(owner_account, 1)
    client.force_login(viewer)
    assert 'class="orders density-compact"' in client.get(LIST).content.decode()

    response = client.post(DENSITY, {"density": "comfortable", "query": "source=web"}, follow=True)

    assert response.redirect_chain[0][0] == f"{LIST}?source=web"
    assert 'class="orders density-comfortable"' in response.content.decode()
    assert ListPreference.objects.get(user=viewer).density == "comfortable"
    client.logout()
    client.force_login(viewer)
    html = client.get(LIST).content.decode()
    assert 'class="orders density-comfortable"' in html
    assert 'value="compact" class="link-button">Compact rows</button>' in html


@pytest.mark.parametrize("density", ["huge", "", "COMPACT", "compact\x00"])
def test_a_bad_density_is_refused_with_a_message(client, viewer, owner_account, density):
    add_orders(owner_account, 1)
    client.force_login(viewer)

    response = client.post(DENSITY, {"density": density}, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "Unknown density." in _messages(response)
    assert 'class="orders density-compact"' in response.content.decode()
    assert not ListPreference.objects.exists()


def test_odd_view_ids_are_refused_never_a_500(client, viewer, owner_account):
    client.force_login(viewer)
    _save(client, "source=web", "Kept")
    for pk in (0, 999_999_999_999_999_999, 10**30):
        response = client.post(reverse("orders:view_delete", args=[pk]), follow=True)
        assert "Only your own views can be deleted." in _messages(response)
    assert client.post("/orders/views/-1/delete/").status_code == HTTPStatus.NOT_FOUND
    assert client.post("/orders/views/x/delete/").status_code == HTTPStatus.NOT_FOUND
    assert client.get(CREATE).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert SavedView.objects.count() == 1


def test_an_empty_name_is_refused_and_a_ten_thousand_character_one_cut(client, viewer):
    client.force_login(viewer)
    for name in ("", "   ", "\t\n"):
        assert "Give the view a name." in _messages(_save(client, "source=web", name))
    assert not SavedView.objects.exists()

    assert _save(client, "source=web", "n" * 10_000).status_code == HTTPStatus.OK
    assert SavedView.objects.get().name == "n" * 80


@pytest.mark.parametrize("query", ["q=a%00b", "q=a\x00b", "source=\x00", "\x00"])
def test_a_query_with_a_nul_never_gives_a_500(client, viewer, owner_account, query):
    add_orders(owner_account, 1)
    client.force_login(viewer)

    response = _save(client, query, "Nul")

    assert response.status_code == HTTPStatus.OK
    for view in SavedView.objects.all():
        assert "\x00" not in view.query
        assert client.get(f"{LIST}?{view.query}").status_code == HTTPStatus.OK


def test_a_query_too_long_for_its_column_is_refused_or_cut(client, viewer, owner_account):
    client.force_login(viewer)
    query = "&".join(f"{name}={'é' * 200}" for name in ("q", "source", "shipping_code"))

    response = _save(client, query, "Long")

    assert response.status_code == HTTPStatus.OK
    assert all(len(view.query) <= 1000 for view in SavedView.objects.all())
    assert "too long to save" in response.content.decode()


def test_a_nul_in_the_name_is_refused_or_dropped(client, viewer, owner_account):
    client.force_login(viewer)

    response = _save(client, "source=web", "a\x00b")

    assert response.status_code == HTTPStatus.OK
    # Read back in Python: SQLite's LIKE would stop at the NUL of the pattern itself.
    assert [view.name for view in SavedView.objects.all()] == ["ab"]
