"""Outcomes staff can act on: counts per outcome on the Deletions list, "Finished with
problems", the result page's problems-first order and outcome filter, and "Select the
orders that were not deleted" (a new draft through the normal confirmation)."""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from orders.services import bulk_deletion_create, bulk_deletion_discard, pending_orders_sync
from tests.delete_service_helpers import Outcome, outcomes, prepare, remove_at_finerworks
from tests.factories import add_orders
from tests.helpers import DELETE, confirm, fids, mirror

pytestmark = pytest.mark.django_db(transaction=True)

LIST = reverse("orders:deletion_list")
RESELECT = "Select the orders that were not deleted"
RESELECT_FORM = re.compile(r'<form [^>]*class="reselect">(.*?)</form>', re.S)
POSTED_ID = re.compile(r'name="orders" value="(\d+)"')


def detail_url(deletion) -> str:
    return reverse("orders:deletion_detail", args=[deletion.pk])


def html(response) -> str:
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


@pytest.fixture
def mixed(client, deleter, fw, owner_account, settings):
    """A finished deletion of six orders: FinerWorks kept the first chunk of two (still
    pending), one left the mirror before the confirm (not sent), three were deleted."""
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=41)
    client.force_login(deleter)
    url = prepare(client, orders)
    remove_at_finerworks(fw, orders[-1:])
    pending_orders_sync()
    fw.add_fault(DELETE, "sticky")
    confirm(client, url)
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FINISHED
    assert sorted(outcomes(deletion).values()) == sorted(
        [Outcome.STILL_PENDING] * 2 + [Outcome.NOT_SENT] + [Outcome.DELETED] * 3
    )
    return deletion


def still_pending_fids(deletion) -> set[int]:
    return {fid for fid, o in outcomes(deletion).items() if o == Outcome.STILL_PENDING}


# ---------------------------------------------------------------------------- the list


def test_the_list_counts_each_outcome_and_says_finished_with_problems(client, mixed):
    page = html(client.get(LIST))

    assert "3 deleted</span> · " in page
    assert "2 still pending</span>" in page
    assert "1 not sent</span>" in page
    assert "Finished with problems" in page


def test_a_deletion_that_deleted_every_order_is_plainly_finished(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 2, seed=42)
    client.force_login(deleter)
    confirm(client, prepare(client, orders))

    page = html(client.get(LIST))

    assert '<span class="run-state run-finished">Finished</span>' in page
    assert "2 deleted</span>" in page
    assert "with problems" not in page
    deletion = BulkDeletion.objects.get()
    assert RESELECT not in html(client.get(detail_url(deletion)))  # nothing is left pending


def finished_deletions(user, account, n, start) -> None:
    """n finished deletions of three orders each: one deleted, one not sent, one rejected."""
    add_orders(account, 3 * n, start=start)
    for i in range(n):
        first = start + 3 * i
        orders = PendingOrder.objects.filter(fulfillment_id__in=range(first, first + 3))
        deletion = bulk_deletion_create(user=user, orders=orders)
        BulkDeletion.objects.filter(pk=deletion.pk).update(state=BulkDeletion.State.FINISHED)
        for offset, outcome in enumerate(("deleted", "not_sent", "rejected")):
            deletion.items.filter(fulfillment_id=first + offset).update(outcome=outcome)


def list_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    return len(queries), html(response)


def test_the_list_costs_the_same_queries_for_2_and_10_deletions(client, deleter, owner_account):
    client.force_login(deleter)
    finished_deletions(deleter, owner_account, 2, start=1)
    two, page = list_queries(client)
    assert page.count("Finished with problems") == 2
    finished_deletions(deleter, owner_account, 8, start=100)

    ten, page = list_queries(client)

    assert page.count("Finished with problems") == 10
    assert page.count("1 deleted</span> · ") == 10
    assert ten == two


# ---------------------------------------------------------------------------- result page


def test_the_result_page_lists_problem_outcomes_first(client, mixed):
    response = client.get(detail_url(mixed))

    shown = [item.outcome for item in response.context["page"].object_list]
    assert shown == ["still_pending", "still_pending", "not_sent", "deleted", "deleted", "deleted"]
    table = html(response).split('<table class="items">')[1]
    assert table.index("Still pending at FinerWorks") < table.index("Not sent")
    assert table.index("Not sent") < table.index("Deleted (verified)")
    # What the page showed before stays: progress, report, restore of the deleted ones.
    page = html(response)
    assert "3 orders deleted at FinerWorks (verified)." in page
    assert 'run-problems">Finished with problems</span></h1>' in page
    assert 'id="progress"' in page and "FinerWorks calls" in page


def test_the_outcome_filter_shows_only_that_outcome_with_the_counts_beside_each(client, mixed):
    response = client.get(detail_url(mixed), {"outcome": "not_sent"})

    assert [item.outcome for item in response.context["page"].object_list] == ["not_sent"]
    page = html(response)
    assert '<strong aria-current="true" class="outcome-not_sent">Not sent (1)</strong>' in page
    assert 'href="?outcome=still_pending"' in page and "Still pending at FinerWorks (2)" in page
    assert "Deleted (verified) (3)" in page
    assert f'<a href="{detail_url(mixed)}">All (6)</a>' in page


@pytest.mark.parametrize("value", ["bogus", "", "NOT_SENT", "not_sent'><b>", "x" * 5000])
def test_an_unknown_outcome_filter_is_ignored(client, mixed, value):
    response = client.get(detail_url(mixed), {"outcome": value})

    assert len(response.context["page"].object_list) == 6
    assert '<strong aria-current="true">All (6)</strong>' in html(response)


def test_the_pagination_keeps_the_outcome_filter(client, deleter, owner_account):
    add_orders(owner_account, 205)
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_discard(deletion=deletion, user=deleter)  # every order: not sent
    client.force_login(deleter)

    first = html(client.get(detail_url(deletion), {"outcome": "not_sent"}))
    second = client.get(detail_url(deletion), {"outcome": "not_sent", "page": "2"})

    assert 'href="?outcome=not_sent&amp;page=2" rel="next"' in first
    assert len(second.context["page"].object_list) == 5
    assert {item.outcome for item in second.context["page"].object_list} == {"not_sent"}


# ---------------------------------------------------------------------------- select again


def reselect_ids(page: str) -> list[str]:
    [form] = RESELECT_FORM.findall(page)
    assert RESELECT in form
    return POSTED_ID.findall(form)


def test_selecting_the_orders_not_deleted_makes_a_new_draft_of_exactly_those(client, fw, mixed):
    ids = reselect_ids(html(client.get(detail_url(mixed))))
    sent_before = len(fw.requests_for(DELETE))

    response = client.post(reverse("orders:deletion_create"), {"orders": ids})

    draft = BulkDeletion.objects.exclude(pk=mixed.pk).get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("orders:deletion_confirm", args=[draft.pk])
    assert draft.state == BulkDeletion.State.AWAITING
    assert set(outcomes(draft)) == still_pending_fids(mixed)  # not the one gone from the mirror
    confirm_page = html(client.get(response.url))
    assert "Yes, delete 2 orders at FinerWorks" in confirm_page
    assert len(fw.requests_for(DELETE)) == sent_before  # nothing sent before the "yes"


def test_there_is_no_select_button_without_the_delete_permission(client, viewer, mixed):
    client.force_login(viewer)

    page = html(client.get(detail_url(mixed)))

    assert RESELECT not in page
    assert 'class="reselect"' not in page


def test_more_orders_left_than_one_selection_holds_offers_the_first_ones(
    client, deleter, owner_account
):
    add_orders(owner_account, 505)
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_discard(deletion=deletion, user=deleter)
    client.force_login(deleter)

    page = html(client.get(detail_url(deletion)))
    ids = reselect_ids(page)

    assert len(ids) == 500
    assert "505 orders of this deletion are still pending" in page
    assert "this selects the first 500 by id; 5 more stay for another selection" in page
    client.post(reverse("orders:deletion_create"), {"orders": ids})
    draft = BulkDeletion.objects.exclude(pk=deletion.pk).get()
    assert fids(PendingOrder.objects.filter(pk__in=draft.items.values("order_id"))) == set(
        range(1, 501)
    )
