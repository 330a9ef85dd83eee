"""The admin's "Delete selected orders at FinerWorks" action, tested like Django's own
delete_selected: a first POST shows the confirmation page, a second with post=yes runs it."""

from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from orders.models import BulkDeletion, FinerWorksAccount, PendingOrder
from tests.conftest import make_user
from tests.helpers import fids, forget_verification, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)

DELETE = "delete_pending_orders"
ACTION = "delete_at_finerworks"


# ---------------------------------------------------------------------------- helpers


def changelist() -> str:
    return reverse("admin:orders_pendingorder_changelist")


def change_link(order) -> str:
    return reverse("admin:orders_pendingorder_change", args=[order.pk])


def action_data(orders, **extra) -> dict:
    """What the changelist posts when orders are ticked and the action is applied."""
    return {
        ACTION_CHECKBOX_NAME: [str(o.pk) for o in orders],
        "action": ACTION,
        "index": 0,
        **extra,
    }


def states(orders) -> set[str]:
    rows = PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    return set(rows.values_list("state", flat=True))


class _FormInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[list[dict]] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms.append([])
            self._open = True
        elif tag == "input" and self._open:
            self.forms[-1].append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False


def confirmation_form_data(response, *, tick=()) -> dict[str, list[str]]:
    """What a browser posts when the confirmation page's button is pressed."""
    parser = _FormInputs()
    parser.feed(response.content.decode())
    [form] = [f for f in parser.forms if any(i.get("name") == "post" for i in f)]
    data: dict[str, list[str]] = {}
    for field in form:
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind == "submit":
            continue
        if kind == "checkbox":
            if name in tick:
                data.setdefault(name, []).append(field.get("value", "on"))
            continue
        data.setdefault(name, []).append(field.get("value", ""))
    return data


@pytest.fixture
def mine(fw, owner_account):
    return mirror(fw, 5, seed=41)


# ---------------------------------------------------------------------------- two POSTs


def test_the_first_post_shows_the_confirmation_page_and_sends_nothing(client, deleter, fw, mine):
    client.force_login(deleter)

    response = client.post(changelist(), action_data(mine[:3]))

    assert response.status_code == HTTPStatus.OK
    assert "admin/orders/delete_at_finerworks_confirmation.html" in [
        t.name for t in response.templates
    ]
    html = response.content.decode()
    assert all(f"#{o.fulfillment_id}" in html for o in mine[:3])
    assert not any(f"#{o.fulfillment_id}" in html for o in mine[3:])
    assert "Yes, delete 3 orders at FinerWorks" in html
    assert "FinerWorks offers no undo." in html
    assert fw.requests == []
    assert BulkDeletion.objects.count() == 0
    assert states(mine) == {PendingOrder.State.PENDING}


def test_the_second_post_deletes_and_reports_the_count_of_each_outcome(
    client, deleter, fw, mine, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    client.force_login(deleter)
    client.post(changelist(), action_data(mine))
    with fw._lock:  # submitted at FinerWorks meanwhile: the pre-flight must catch it
        del fw._orders[None][mine[0].fulfillment_id]
    fw.add_fault(DELETE, "sticky")  # the first chunk sent stays pending at FinerWorks

    response = client.post(changelist(), action_data(mine, post="yes"))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == changelist()
    shown = shown_messages(client.get(response.url))
    assert any("2 orders deleted at FinerWorks (verified)." in m for m in shown)
    assert any("1 order was already gone at FinerWorks; nothing was sent." in m for m in shown)
    assert any("2 orders are still pending at FinerWorks after the delete." in m for m in shown)
    assert sorted(sent_ids(fw)) == sorted(fids(mine[1:]))
    assert states(mine[:1]) == {PendingOrder.State.GONE}
    assert states(mine[1:3]) == {PendingOrder.State.PENDING}
    assert states(mine[3:]) == {PendingOrder.State.DELETED}
    deletion = BulkDeletion.objects.get()
    assert (deletion.via, deletion.created_by) == ("admin", deleter)
    assert deletion.state == BulkDeletion.State.FINISHED
    purposes = list(deletion.calls.order_by("id").values_list("purpose", flat=True))
    assert purposes == ["preflight", "delete", "delete", "verify"]


def test_the_confirmation_form_posts_back_the_ticked_orders(client, deleter, fw, mine):
    client.force_login(deleter)
    page = client.post(changelist(), action_data(mine[:3]))

    response = client.post(changelist(), confirmation_form_data(page), follow=True)

    assert sorted(sent_ids(fw)) == sorted(fids(mine[:3]))
    assert any("3 orders deleted at FinerWorks (verified)." in m for m in shown_messages(response))
    assert states(mine[3:]) == {PendingOrder.State.PENDING}


def test_select_across_with_index_deletes_every_matching_order_across_pages(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 120, seed=42)  # the admin shows 100 per page
    client.force_login(deleter)
    data = action_data(orders[:100], select_across="1")

    page = client.post(changelist(), data)
    assert page.status_code == HTTPStatus.OK
    assert "Yes, delete 120 orders at FinerWorks" in page.content.decode()
    assert fw.requests == []

    response = client.post(changelist(), {**data, "post": "yes"}, follow=True)

    assert sorted(sent_ids(fw)) == sorted(fids(orders))
    assert [len(r["body"]["ids"]) for r in fw.requests_for(DELETE)] == [50, 50, 20]
    assert states(orders) == {PendingOrder.State.DELETED}
    assert any(
        "120 orders deleted at FinerWorks (verified)." in m for m in shown_messages(response)
    )


def test_the_select_across_confirmation_form_deletes_every_matching_order(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 120, seed=43)
    client.force_login(deleter)
    page = client.post(changelist(), action_data(orders[:100], select_across="1"))

    response = client.post(changelist(), confirmation_form_data(page), follow=True)

    assert sorted(sent_ids(fw)) == sorted(fids(orders))
    assert states(orders) == {PendingOrder.State.DELETED}
    assert any(
        "120 orders deleted at FinerWorks (verified)." in m for m in shown_messages(response)
    )


def test_a_double_submitted_confirmation_runs_once(client, deleter, fw, mine):
    client.force_login(deleter)
    data = action_data(mine[:2], post="yes")

    client.post(changelist(), data)
    again = client.post(changelist(), data, follow=True)

    assert len(fw.requests_for(DELETE)) == 1
    assert BulkDeletion.objects.count() == 1
    assert any("No pending orders were selected." in m for m in shown_messages(again))


# ---------------------------------------------------------------------------- who gets it


def test_the_builtin_delete_selected_action_is_not_offered(client, admin_user, fw, mine):
    client.force_login(admin_user)

    html = client.get(changelist()).content.decode()

    assert f'value="{ACTION}"' in html
    assert 'value="delete_selected"' not in html
    response = client.post(
        changelist(), {**action_data(mine), "action": "delete_selected"}, follow=True
    )
    assert PendingOrder.objects.count() == len(mine)
    assert states(mine) == {PendingOrder.State.PENDING}
    assert fw.requests == []
    assert any("No action selected." in m for m in shown_messages(response))


def test_the_action_is_not_offered_to_users_without_the_delete_permission(client, viewer, fw, mine):
    client.force_login(viewer)

    page = client.get(changelist())

    assert page.status_code == HTTPStatus.OK
    assert change_link(mine[0]) in page.content.decode()  # sees the orders...
    assert ACTION not in page.content.decode()  # ...but is not offered the action
    for data in (action_data(mine), action_data(mine, post="yes")):
        client.post(changelist(), data)
    assert fw.requests == []
    assert BulkDeletion.objects.count() == 0
    assert states(mine) == {PendingOrder.State.PENDING}


def test_users_without_the_view_permission_cannot_reach_the_action(client, fw, mine):
    client.force_login(make_user("nobody"))

    response = client.post(changelist(), action_data(mine, post="yes"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert fw.requests == []


def test_orders_of_an_ungranted_account_are_never_sent_from_the_admin(
    client, deleter, fw, mine, delegated_account
):
    theirs = mirror(fw, 2, seed=44, account=delegated_account)
    client.force_login(deleter)
    html = client.get(changelist()).content.decode()
    assert change_link(mine[0]) in html and change_link(theirs[0]) not in html

    client.post(changelist(), action_data([mine[0], *theirs], post="yes"))

    assert sent_ids(fw) == [mine[0].fulfillment_id]
    assert all("account_key" not in r["body"] for r in fw.requests_for(DELETE))
    assert fids(theirs) <= fw.listed_ids(delegated_account.account_key)
    assert states(theirs) == {PendingOrder.State.PENDING}


def test_an_unverified_account_needs_the_acknowledgement_in_the_admin(
    client, deleter, fw, owner_account, grant
):
    key = fw.add_account("99999999-8888-4777-8666-555555555555")
    unproven = FinerWorksAccount.objects.create(name="Unproven Ltd", account_key=key)
    grant(deleter, unproven)
    orders = mirror(fw, 2, seed=45, account=unproven)
    forget_verification(unproven)
    client.force_login(deleter)

    page = client.post(changelist(), action_data(orders))
    assert "account key not verified" in page.content.decode()
    refused = client.post(changelist(), confirmation_form_data(page), follow=True)

    assert fw.requests_for(DELETE) == []
    assert any("Tick the box" in m for m in shown_messages(refused))
    assert states(orders) == {PendingOrder.State.PENDING}

    done = client.post(
        changelist(),
        confirmation_form_data(page, tick=["acknowledge_unverified"]),
        follow=True,
    )

    [sent] = fw.requests_for(DELETE)
    assert sent["body"]["account_key"] == key
    assert states(orders) == {PendingOrder.State.DELETED}
    assert any("2 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_a_superuser_deletes_for_every_account_from_the_admin_one_key_per_call(
    client, admin_user, fw, mine, delegated_account
):
    theirs = mirror(fw, 2, seed=46, account=delegated_account)
    client.force_login(admin_user)

    response = client.post(changelist(), action_data([mine[0], *theirs], post="yes"), follow=True)

    bodies = [r["body"] for r in fw.requests_for(DELETE)]
    assert len(bodies) == 2
    for body in bodies:
        if "account_key" in body:
            assert body["account_key"] == delegated_account.account_key
            assert set(body["ids"]) == fids(theirs)
        else:
            assert body["ids"] == [mine[0].fulfillment_id]
    assert states([mine[0], *theirs]) == {PendingOrder.State.DELETED}
    assert any("3 orders deleted at FinerWorks (verified)." in m for m in shown_messages(response))
