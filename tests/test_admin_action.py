"""The admin's "Delete selected orders at FinerWorks" action is one more door into the
dashboard's flow: it freezes the selection in a draft and redirects to the dashboard's
confirmation page, whose "yes" sends exactly the frozen orders."""

from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from orders.models import (
    AccountGrant,
    BulkDeletion,
    BulkDeletionItem,
    FinerWorksAccount,
    FinerWorksCall,
    PendingOrder,
)
from orders.services import pending_orders_sync
from tests.factories import make_user
from tests.helpers import fids, forget_verification, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)

DELETE = "delete_pending_orders"
ACTION = "delete_at_finerworks"
REFUSED = "Some selected orders belong to accounts you may not act for. Nothing was selected."
REASON = "Duplicates imported twice from the shop"


# ---------------------------------------------------------------------------- helpers


def changelist() -> str:
    return reverse("admin:orders_pendingorder_changelist")


def change_link(order) -> str:
    return reverse("admin:orders_pendingorder_change", args=[order.pk])


def confirm_url(deletion) -> str:
    return reverse("orders:deletion_confirm", args=[deletion.pk])


def detail_url(deletion) -> str:
    return reverse("orders:deletion_detail", args=[deletion.pk])


def discard_url(deletion) -> str:
    return reverse("orders:deletion_discard", args=[deletion.pk])


def action_data(orders, **extra) -> dict:
    """What the changelist posts when orders are ticked and the action is applied."""
    return {
        ACTION_CHECKBOX_NAME: [str(o.pk) for o in orders],
        "action": ACTION,
        "index": 0,
        **extra,
    }


def open_confirmation(client, orders, *, url=None, **extra):
    """Apply the action and follow it to the confirmation page of the draft it froze."""
    page = client.post(url or changelist(), action_data(orders, **extra), follow=True)
    deletion = BulkDeletion.objects.get()
    assert page.redirect_chain == [(confirm_url(deletion), HTTPStatus.FOUND)]
    assert page.status_code == HTTPStatus.OK
    return page


def states(orders) -> set[str]:
    rows = PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    return set(rows.values_list("state", flat=True))


def frozen(deletion) -> set[int]:
    return set(deletion.items.values_list("fulfillment_id", flat=True))


def fids_of(records) -> set[int]:
    """The FinerWorks ids of sandbox records."""
    return {r["fulfillment_id"] for r in records}


class _Forms(HTMLParser):
    """The page's forms: their fields and their buttons (with the buttons' text)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open = False
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": [], "buttons": []})
            self._open = True
        elif tag in ("input", "textarea", "select") and self._open:
            self.forms[-1]["fields"].append(attrs)
        elif tag == "button" and self._open:
            self._button = {**attrs, "text": ""}
            self.forms[-1]["buttons"].append(self._button)

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False
        elif tag == "button":
            self._button = None


def press(page, button: str, *, tick=(), fill=None) -> tuple[str, dict[str, list[str]]]:
    """(address, data) a browser posts when `button` of the page is pressed, with the
    checkboxes named in `tick` ticked and the fields in `fill` typed into."""
    fill = fill or {}
    parser = _Forms()
    parser.feed(page.content.decode())
    pressed = [
        (form, b)
        for form in parser.forms
        for b in form["buttons"]
        if " ".join(b["text"].split()) == button
    ]
    assert pressed, f"no button {button!r} on the page"
    [(form, pushed)] = pressed
    names = {f.get("name") for f in form["fields"]}
    assert set(fill) | set(tick) <= names, f"the form has no {set(fill) | set(tick) - names}"
    data: dict[str, list[str]] = {}
    for field in form["fields"]:
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind in ("submit", "button"):
            continue
        if kind == "checkbox":
            if name in tick:
                data.setdefault(name, []).append(field.get("value", "on"))
            continue
        data.setdefault(name, []).append(str(fill.get(name, field.get("value", ""))))
    if pushed.get("name"):
        data[pushed["name"]] = [pushed.get("value", "")]
    url = pushed.get("formaction") or form["action"] or page.request["PATH_INFO"]
    return url, data


@pytest.fixture
def mine(fw, owner_account):
    return mirror(fw, 5, seed=41)


@pytest.fixture
def many(fw, owner_account):
    """More than one admin page of orders (the admin shows 100 a page)."""
    return mirror(fw, 117, seed=42)


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


# ---------------------------------------------------------------------------- friction


def test_select_across_freezes_every_matching_order_on_every_page(client, deleter, fw, many):
    client.force_login(deleter)

    page = open_confirmation(client, many[:100], select_across="1")

    deletion = BulkDeletion.objects.get()
    assert deletion.by_filter
    assert frozen(deletion) == fids(many)
    html = page.content.decode()
    assert "Delete 117 orders at FinerWorks?" in html
    assert 'name="typed_count"' in html and 'name="reason"' in html
    assert fw.requests == []


@pytest.mark.parametrize(
    "typed",
    [{}, {"typed_count": 100, "reason": REASON}, {"typed_count": 117, "reason": "  "}],
    ids=["neither", "the_page_count", "no_reason"],
)
def test_select_across_without_the_typed_count_and_reason_answers_400_and_sends_nothing(
    client, deleter, fw, many, typed
):
    client.force_login(deleter)
    page = open_confirmation(client, many[:100], select_across="1")

    response = client.post(*press(page, "Yes, delete 117 orders at FinerWorks", fill=typed))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    if typed.get("typed_count") != 117:
        assert "Type 117 to confirm the number." in html
    if not typed.get("reason", "").strip():
        assert "Say why these orders are being deleted." in html
    assert fw.requests == []
    assert BulkDeletion.objects.get().state == BulkDeletion.State.AWAITING
    assert states(many) == {PendingOrder.State.PENDING}


def test_select_across_with_the_typed_count_and_reason_deletes_every_matching_order(
    client, deleter, fw, many
):
    client.force_login(deleter)
    page = open_confirmation(client, many[:100], select_across="1")

    done = client.post(
        *press(
            page,
            "Yes, delete 117 orders at FinerWorks",
            fill={"typed_count": 117, "reason": REASON},
        ),
        follow=True,
    )

    assert sorted(sent_ids(fw)) == sorted(fids(many))
    assert [len(r["body"]["ids"]) for r in fw.requests_for(DELETE)] == [50, 50, 17]
    assert states(many) == {PendingOrder.State.DELETED}
    assert any("117 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))
    deletion = BulkDeletion.objects.get()
    assert (deletion.reason, deletion.state) == (REASON, BulkDeletion.State.FINISHED)


def test_select_across_freezes_only_the_orders_matching_the_changelists_filters(
    client, deleter, fw, many
):
    client.force_login(deleter)
    tests_only = [o for o in many if o.test_mode]
    assert 0 < len(tests_only) < len(many)
    filtered = changelist() + "?test_mode__exact=1"

    open_confirmation(client, tests_only[:1], url=filtered, select_across="1")

    deletion = BulkDeletion.objects.get()
    assert frozen(deletion) == fids(tests_only)
    assert deletion.return_url == filtered
    assert fw.requests == []


def test_a_ticked_selection_above_the_typed_threshold_needs_the_count_and_reason(
    client, deleter, fw, mine, settings
):
    settings.FWADMIN_CONFIRM_TYPED_ABOVE = 2
    client.force_login(deleter)
    page = open_confirmation(client, mine[:3])
    assert 'name="typed_count"' in page.content.decode()

    refused = client.post(*press(page, "Yes, delete 3 orders at FinerWorks"))

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "Type 3 to confirm the number." in refused.content.decode()
    assert fw.requests == []
    assert states(mine) == {PendingOrder.State.PENDING}

    typed = {"typed_count": 3, "reason": REASON}
    done = client.post(*press(page, "Yes, delete 3 orders at FinerWorks", fill=typed), follow=True)

    assert sorted(sent_ids(fw)) == sorted(fids(mine[:3]))
    assert states(mine[:3]) == {PendingOrder.State.DELETED}
    assert states(mine[3:]) == {PendingOrder.State.PENDING}
    assert any("3 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_a_ticked_selection_at_the_typed_threshold_needs_only_the_yes(
    client, deleter, fw, mine, settings
):
    settings.FWADMIN_CONFIRM_TYPED_ABOVE = 2
    client.force_login(deleter)
    page = open_confirmation(client, mine[:2])
    assert 'name="typed_count"' not in page.content.decode()

    client.post(*press(page, "Yes, delete 2 orders at FinerWorks"))

    assert sorted(sent_ids(fw)) == sorted(fids(mine[:2]))


def test_an_unverified_account_needs_the_acknowledgement_in_the_admin(
    client, deleter, fw, owner_account, grant
):
    key = fw.add_account("99999999-8888-4777-8666-555555555555")
    unproven = FinerWorksAccount.objects.create(name="Unproven Ltd", account_key=key)
    grant(deleter, unproven)
    orders = mirror(fw, 2, seed=45, account=unproven)
    forget_verification(unproven)
    client.force_login(deleter)

    page = open_confirmation(client, orders)
    assert "key not verified" in page.content.decode()
    refused = client.post(*press(page, "Yes, delete 2 orders at FinerWorks"))

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "Tick the box" in refused.content.decode()
    assert fw.requests_for(DELETE) == []
    assert states(orders) == {PendingOrder.State.PENDING}
    assert BulkDeletion.objects.get().state == BulkDeletion.State.AWAITING

    done = client.post(
        *press(page, "Yes, delete 2 orders at FinerWorks", tick=["acknowledge_unverified"]),
        follow=True,
    )

    [sent] = fw.requests_for(DELETE)
    assert sent["body"]["account_key"] == key
    assert states(orders) == {PendingOrder.State.DELETED}
    assert any("2 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


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


# ---------------------------------------------------------------------------- who gets it


@pytest.mark.parametrize("intruder", ["colleague", "superuser"])
def test_another_user_can_neither_see_nor_confirm_nor_discard_the_draft(
    client, deleter, fw, mine, intruder
):
    client.force_login(deleter)
    page = open_confirmation(client, mine[:2])
    deletion = BulkDeletion.objects.get()
    yes = press(page, "Yes, delete 2 orders at FinerWorks")
    other = (
        make_user("boss", superuser=True)
        if intruder == "superuser"
        else make_user("colleague", "orders.view_pendingorder", "orders.delete_at_finerworks")
    )
    client.force_login(other)

    assert client.get(confirm_url(deletion)).status_code == HTTPStatus.NOT_FOUND
    assert client.post(*yes).status_code == HTTPStatus.NOT_FOUND
    assert client.post(discard_url(deletion)).status_code == HTTPStatus.NOT_FOUND

    assert fw.requests == []
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.AWAITING
    client.force_login(deleter)  # still the creator's to confirm
    client.post(*yes)
    assert sorted(sent_ids(fw)) == sorted(fids(mine[:2]))


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
    assert BulkDeletion.objects.count() == 0
    assert any("No action selected." in m for m in shown_messages(response))


def test_the_action_is_not_offered_to_users_without_the_delete_permission(client, viewer, fw, mine):
    client.force_login(viewer)

    page = client.get(changelist())

    assert page.status_code == HTTPStatus.OK
    assert change_link(mine[0]) in page.content.decode()  # sees the orders...
    assert ACTION not in page.content.decode()  # ...but is not offered the action
    for data in (action_data(mine), action_data(mine, select_across="1")):
        response = client.post(changelist(), data, follow=True)
        assert response.status_code == HTTPStatus.OK  # the list again: no action to run
        assert response.redirect_chain == []
    assert fw.requests == []
    assert BulkDeletion.objects.count() == 0
    assert states(mine) == {PendingOrder.State.PENDING}


def test_users_without_the_view_permission_cannot_reach_the_action(client, fw, mine):
    client.force_login(make_user("nobody"))

    response = client.post(changelist(), action_data(mine))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert fw.requests == []
    assert BulkDeletion.objects.count() == 0


def test_ungranted_ids_refuse_the_whole_selection_and_each_account_is_audited(
    client, deleter, fw, mine, delegated_account
):
    theirs = mirror(fw, 2, seed=44, account=delegated_account)
    other_key = fw.add_account("22222222-3333-4444-8555-666666666666")
    other = FinerWorksAccount.objects.create(
        name="Other Co",
        account_key=other_key,
        verification=FinerWorksAccount.Verification.VERIFIED,
    )
    others = mirror(fw, 1, seed=48, account=other)
    client.force_login(deleter)
    html = client.get(changelist()).content.decode()
    assert change_link(mine[0]) in html
    assert change_link(theirs[0]) not in html and change_link(others[0]) not in html

    # Ids the changelist never offered, posted by hand next to one of the user's own.
    response = client.post(changelist(), action_data([mine[0], *theirs, *others]), follow=True)

    assert response.redirect_chain == [(changelist(), HTTPStatus.FOUND)]
    assert REFUSED in shown_messages(response)
    assert BulkDeletion.objects.count() == 0
    assert fw.requests == []
    assert states([mine[0], *theirs, *others]) == {PendingOrder.State.PENDING}
    refusals = FinerWorksCall.objects.filter(outcome="refused").order_by("account__name")
    assert [(c.endpoint, c.account, c.acting_user) for c in refusals] == [
        (DELETE, delegated_account, deleter),
        (DELETE, other, deleter),
    ]
    assert [c.request_payload["ids"] for c in refusals] == [
        sorted(fids(theirs)),
        sorted(fids(others)),
    ]
    assert all(c.bulk_deletion_id is None for c in refusals)


def test_a_forged_id_alone_is_refused_with_the_message_and_audited(
    client, deleter, fw, mine, delegated_account
):
    [theirs] = mirror(fw, 1, seed=44, account=delegated_account)
    client.force_login(deleter)

    response = client.post(changelist(), action_data([theirs]), follow=True)

    assert response.redirect_chain == [(changelist(), HTTPStatus.FOUND)]
    assert REFUSED in shown_messages(response)
    assert BulkDeletion.objects.count() == 0
    assert fw.requests == []
    [refusal] = FinerWorksCall.objects.filter(outcome="refused")
    assert (refusal.endpoint, refusal.account) == (DELETE, delegated_account)


@pytest.mark.parametrize(
    "second_account",
    [False, True],
    ids=["only_the_own_account", "two_accounts"],
)
def test_select_across_with_a_hand_made_filter_for_an_ungranted_account_is_refused(
    client, deleter, fw, mine, delegated_account, grant, second_account
):
    if second_account:
        key = fw.add_account("22222222-3333-4444-8555-666666666666")
        grant(deleter, FinerWorksAccount.objects.create(name="Second Co", account_key=key))
    theirs = mirror(fw, 2, seed=44, account=delegated_account)
    client.force_login(deleter)
    forged = changelist() + f"?account__id__exact={delegated_account.pk}"

    response = client.post(forged, action_data(theirs, select_across="1"), follow=True)

    assert BulkDeletion.objects.count() == 0
    assert response.redirect_chain == [(forged, HTTPStatus.FOUND)]
    assert "The filter names an account you may not act for." in shown_messages(response)
    assert fw.requests == []
    assert states([*mine, *theirs]) == {PendingOrder.State.PENDING}
    [refusal] = FinerWorksCall.objects.filter(outcome="refused")
    assert (refusal.endpoint, refusal.account) == (DELETE, delegated_account)


def test_a_grant_revoked_after_the_action_stops_the_confirmation(
    client, deleter, fw, owner_account, delegated_account, grant
):
    granted = grant(deleter, delegated_account)
    theirs = mirror(fw, 2, seed=44, account=delegated_account)
    client.force_login(deleter)
    page = open_confirmation(client, theirs)
    AccountGrant.objects.filter(pk=granted.pk).delete()

    response = client.post(*press(page, "Yes, delete 2 orders at FinerWorks"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert fw.requests == []
    assert states(theirs) == {PendingOrder.State.PENDING}
    [refusal] = FinerWorksCall.objects.filter(outcome="refused")
    assert refusal.account == delegated_account
    assert refusal.bulk_deletion == BulkDeletion.objects.get()


def test_a_superuser_deletes_for_every_account_from_the_admin_one_key_per_call(
    client, admin_user, fw, mine, delegated_account
):
    theirs = mirror(fw, 2, seed=46, account=delegated_account)
    client.force_login(admin_user)
    page = open_confirmation(client, [mine[0], *theirs])

    response = client.post(*press(page, "Yes, delete 3 orders at FinerWorks"), follow=True)

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
