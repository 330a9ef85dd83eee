"""The friction of the admin's "Delete selected orders at FinerWorks" action, which freezes
the selection in a draft and sends it from the dashboard's confirmation page: "select all"
across pages freezes every order matching the changelist's filters and, like a ticked
selection above the typed threshold, needs the count typed and a reason; an unverified
account needs the acknowledgement."""

from http import HTTPStatus

import pytest

from orders.models import BulkDeletion, FinerWorksAccount, PendingOrder
from tests.admin_action_helpers import REASON, changelist, frozen, open_confirmation, press, states
from tests.admin_action_helpers import mine as mine  # a fixture
from tests.helpers import DELETE, fids, forget_verification, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def many(fw, owner_account):
    """More than one admin page of orders (the admin shows 100 a page)."""
    return mirror(fw, 117, seed=42)


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
