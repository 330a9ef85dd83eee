"""The admin's "Delete selected orders at FinerWorks" action is one more door into the
dashboard's flow: it freezes the ticked selection in a draft and redirects to the dashboard's
confirmation page, whose "yes" sends exactly the frozen orders (once, whatever was synced
meanwhile), while "No, take me back" discards the draft for good. Also: the admin's order page
shows when FinerWorks last listed the order."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder
from orders.services import pending_orders_sync
from tests.admin_action_helpers import (
    REASON,
    action_data,
    change_link,
    changelist,
    confirm_url,
    discard_url,
    frozen,
    open_confirmation,
    press,
    states,
)
from tests.admin_action_helpers import mine as mine  # a fixture
from tests.helpers import DELETE, fids, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)


def detail_url(deletion) -> str:
    return reverse("orders:deletion_detail", args=[deletion.pk])


def fids_of(records) -> set[int]:
    """The FinerWorks ids of sandbox records."""
    return {r["fulfillment_id"] for r in records}


# ---------------------------------------------------------------------------- the draft


def test_the_action_freezes_the_ticked_orders_and_redirects_to_the_confirmation_page(
    client, deleter, fw, mine
):
    client.force_login(deleter)

    response = client.post(changelist(), action_data(mine[:3]))

    deletion = BulkDeletion.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == confirm_url(deletion)
    assert deletion.state == BulkDeletion.State.AWAITING
    assert (deletion.via, deletion.created_by, deletion.by_filter) == ("admin", deleter, False)
    assert deletion.return_url == changelist()
    assert frozen(deletion) == fids(mine[:3])
    assert fw.requests == []
    assert states(mine) == {PendingOrder.State.PENDING}
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


def test_the_confirmation_page_shows_exactly_the_frozen_orders_and_sends_nothing(
    client, deleter, fw, mine
):
    client.force_login(deleter)

    page = open_confirmation(client, mine[:3])

    assert "orders/deletion_confirm.html" in [t.name for t in page.templates]
    html = page.content.decode()
    assert all(f'<th scope="row">{o.fulfillment_id}</th>' in html for o in mine[:3])
    assert not any(f'<th scope="row">{o.fulfillment_id}</th>' in html for o in mine[3:])
    assert "Yes, delete 3 orders at FinerWorks" in html
    assert "FinerWorks offers no undo." in html
    assert 'name="typed_count"' not in html  # a small, ticked selection needs only the yes
    assert fw.requests == []
    assert states(mine) == {PendingOrder.State.PENDING}


def test_confirming_deletes_and_reports_the_count_of_each_outcome(
    client, deleter, fw, mine, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    client.force_login(deleter)
    page = open_confirmation(client, mine)
    fw.submit_order(mine[0].fulfillment_id)  # submitted meanwhile: the pre-flight must catch it
    fw.add_fault(DELETE, "sticky")  # the first chunk sent stays pending at FinerWorks

    url, data = press(page, "Yes, delete 5 orders at FinerWorks")
    response = client.post(url, data)

    deletion = BulkDeletion.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == detail_url(deletion)
    shown = shown_messages(client.get(response.url))
    assert any("2 orders deleted at FinerWorks (verified)." in m for m in shown)
    assert any("1 order was already gone at FinerWorks; nothing was sent." in m for m in shown)
    assert any("2 orders are still pending at FinerWorks after the delete." in m for m in shown)
    assert sorted(sent_ids(fw)) == sorted(fids(mine[1:]))
    assert states(mine[:1]) == {PendingOrder.State.GONE}
    assert states(mine[1:3]) == {PendingOrder.State.PENDING}
    assert states(mine[3:]) == {PendingOrder.State.DELETED}
    assert (deletion.via, deletion.created_by) == ("admin", deleter)
    assert deletion.state == BulkDeletion.State.FINISHED
    purposes = list(deletion.calls.order_by("id").values_list("purpose", flat=True))
    assert purposes == ["preflight", "delete", "delete", "verify"]


@pytest.mark.parametrize("select_across", [False, True], ids=["ticked", "select_across"])
def test_orders_synced_between_the_action_and_the_confirmation_are_not_sent(
    client, deleter, fw, mine, select_across
):
    client.force_login(deleter)
    extra = {"select_across": "1"} if select_across else {}
    response = client.post(changelist(), action_data(mine, **extra))
    newcomers = fw.seed(3, seed=47)  # arrive at FinerWorks, and in the mirror, meanwhile
    pending_orders_sync()
    fw.reset_requests()
    assert PendingOrder.objects.filter(fulfillment_id__in=fids_of(newcomers)).count() == 3

    page = client.get(response.url)
    assert "Yes, delete 5 orders at FinerWorks" in page.content.decode()
    typed = {"typed_count": 5, "reason": REASON} if select_across else {}
    done = client.post(*press(page, "Yes, delete 5 orders at FinerWorks", fill=typed), follow=True)

    assert sorted(sent_ids(fw)) == sorted(fids(mine))
    assert fids_of(newcomers) <= fw.listed_ids()
    assert set(
        PendingOrder.objects.filter(fulfillment_id__in=fids_of(newcomers)).values_list(
            "state", flat=True
        )
    ) == {PendingOrder.State.PENDING}
    assert states(mine) == {PendingOrder.State.DELETED}
    assert any("5 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_a_double_submitted_confirmation_runs_once(client, deleter, fw, mine):
    client.force_login(deleter)
    page = open_confirmation(client, mine[:2])
    url, data = press(page, "Yes, delete 2 orders at FinerWorks")

    client.post(url, data)
    again = client.post(url, data, follow=True)

    assert len(fw.requests_for(DELETE)) == 1
    assert BulkDeletion.objects.count() == 1
    assert again.redirect_chain == [(detail_url(BulkDeletion.objects.get()), HTTPStatus.FOUND)]
    assert any("already confirmed; it ran only once." in m for m in shown_messages(again))


# ---------------------------------------------------------------------------- back out


def test_no_take_me_back_discards_the_draft_and_returns_to_the_filtered_changelist(
    client, deleter, fw, mine
):
    client.force_login(deleter)
    back = changelist() + "?state__exact=pending"
    page = open_confirmation(client, mine, url=back, select_across="1")
    deletion = BulkDeletion.objects.get()

    url, data = press(page, "No, take me back")  # formnovalidate: no count, no reason
    assert url == discard_url(deletion)
    response = client.post(url, data, follow=True)

    assert response.redirect_chain == [(back, HTTPStatus.FOUND)]
    assert response.status_code == HTTPStatus.OK
    assert "Nothing was deleted; the selection was discarded." in shown_messages(response)
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert set(deletion.items.values_list("outcome", flat=True)) == {
        BulkDeletionItem.Outcome.NOT_SENT
    }
    assert fw.requests == []
    assert states(mine) == {PendingOrder.State.PENDING}
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


def test_a_discarded_draft_can_never_be_confirmed(client, deleter, fw, mine):
    client.force_login(deleter)
    page = open_confirmation(client, mine[:2])
    deletion = BulkDeletion.objects.get()
    yes = press(page, "Yes, delete 2 orders at FinerWorks")
    client.post(*press(page, "No, take me back"))

    late = client.post(*yes)

    assert late.status_code == HTTPStatus.FOUND
    assert late.url == detail_url(deletion)
    assert client.get(confirm_url(deletion)).url == detail_url(deletion)
    assert fw.requests == []
    assert states(mine) == {PendingOrder.State.PENDING}
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED


# ---------------------------------------------------------------------------- the order page


def test_the_admin_order_page_shows_when_finerworks_last_listed_it(
    client, fw, owner_account, admin_user
):
    """A re-sync stamps the account, not each unchanged row: the admin shows that stamp."""
    [order] = mirror(fw, 1, seed=61)
    pending_orders_sync()  # unchanged: only the account's listed_all_at moves
    client.force_login(admin_user)

    page = client.get(change_link(order)).content.decode()

    order.refresh_from_db()
    assert order.last_seen > order.last_seen_at
    assert "Last seen at:" not in page  # the row's own, older stamp is not shown
    assert "Last seen:" in page
