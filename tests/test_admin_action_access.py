"""Who gets the admin's "Delete selected orders at FinerWorks" action, which freezes the
selection in a draft confirmed on the dashboard's page: only its creator sees, confirms or
discards a draft; the built-in delete is never offered, nor the action without the delete
permission; ids or filters for ungranted accounts refuse the whole selection and are audited;
a grant revoked before the confirmation stops it; a superuser deletes for every account."""

from http import HTTPStatus

import pytest

from orders.models import (
    AccountGrant,
    BulkDeletion,
    FinerWorksAccount,
    FinerWorksCall,
    PendingOrder,
)
from tests.admin_action_helpers import (
    ACTION,
    action_data,
    change_link,
    changelist,
    confirm_url,
    discard_url,
    open_confirmation,
    press,
    states,
)
from tests.admin_action_helpers import mine as mine  # a fixture
from tests.factories import make_user
from tests.helpers import DELETE, fids, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = "Some selected orders belong to accounts you may not act for. Nothing was selected."


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
