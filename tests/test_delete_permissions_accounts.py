"""Which accounts' orders a user may see and delete on the dashboard: without a grant a
delegated account's orders are hidden and posting them is refused and audited; a user or group
grant, or being a superuser, lets its key be used; a deletion's result is not found by those
who may not see one of its accounts; and a grant revoked after the confirmation page or before
a background run refuses that account only, audited."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from orders.models import AccountGrant, BulkDeletion, BulkDeletionItem, FinerWorksCall, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.delete_permissions_helpers import detail_link, select
from tests.delete_permissions_helpers import mine as mine  # a fixture
from tests.factories import make_user
from tests.helpers import DELETE, confirm, fids, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db(transaction=True)

Outcome = BulkDeletionItem.Outcome


def sent_keys(fw) -> set:
    return {r["body"].get("account_key") for r in fw.requests_for(DELETE)}


@pytest.fixture
def theirs(fw, delegated_account):
    return mirror(fw, 3, seed=32, account=delegated_account)


def test_a_deleter_without_a_grant_cannot_see_the_delegated_accounts_orders(
    client, deleter, mine, theirs
):
    client.force_login(deleter)

    html = client.get(reverse("orders:list"), {"state": "all"}).content.decode()

    assert all(detail_link(o) in html for o in mine)
    assert not any(detail_link(o) in html for o in theirs)
    assert theirs[0].account.name not in html
    detail = client.get(reverse("orders:detail", args=[theirs[0].pk]))
    assert detail.status_code == HTTPStatus.NOT_FOUND


def test_posting_ungranted_orders_is_refused_audited_and_nothing_is_sent(
    client, deleter, fw, mine, theirs, delegated_account
):
    client.force_login(deleter)

    response = select(client, [mine[0], *theirs])

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert BulkDeletion.objects.count() == 0
    assert fw.requests == []
    [refusal] = FinerWorksCall.objects.filter(outcome="refused")
    assert refusal.account == delegated_account
    assert refusal.acting_user == deleter and refusal.acting_username == "deleter"
    assert refusal.endpoint == DELETE and refusal.purpose == "delete"
    assert sorted(refusal.request_payload["ids"]) == sorted(fids(theirs))
    assert refusal.request_payload["account_key"] == delegated_account.account_key
    assert refusal.http_status is None


def test_a_user_grant_lets_the_deleter_delete_with_that_accounts_key(
    client, deleter, fw, mine, theirs, delegated_account, grant
):
    grant(deleter, delegated_account)
    client.force_login(deleter)
    html = client.get(reverse("orders:list")).content.decode()
    assert all(detail_link(o) in html for o in theirs)

    done = confirm(client, select(client, theirs).url)

    [sent] = fw.requests_for(DELETE)
    assert sent["body"]["account_key"] == delegated_account.account_key
    assert sorted(sent["body"]["ids"]) == sorted(fids(theirs))
    assert fids(theirs) <= fw.deleted_ids
    assert fids(mine) <= fw.listed_ids()  # the owner's orders were not touched
    assert any("3 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))
    assert not FinerWorksCall.objects.filter(outcome="refused").exists()


def test_a_group_grant_works_like_a_user_grant(client, fw, mine, theirs, delegated_account):
    member = make_user("member", "orders.view_pendingorder", "orders.delete_at_finerworks")
    team = Group.objects.create(name="Acme team")
    member.groups.add(team)
    AccountGrant.objects.create(group=team, account=delegated_account)
    client.force_login(member)

    done = confirm(client, select(client, theirs).url)

    assert sent_keys(fw) == {delegated_account.account_key}
    assert sorted(sent_ids(fw)) == sorted(fids(theirs))
    assert set(
        PendingOrder.objects.filter(pk__in=[o.pk for o in theirs]).values_list("state", flat=True)
    ) == {PendingOrder.State.DELETED}
    assert any("3 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_a_superuser_sees_and_deletes_for_every_account_without_a_grant(
    client, admin_user, fw, mine, theirs, delegated_account
):
    client.force_login(admin_user)
    html = client.get(reverse("orders:list")).content.decode()
    assert all(detail_link(o) in html for o in mine + theirs)

    done = confirm(client, select(client, mine + theirs).url)

    assert sent_keys(fw) == {None, delegated_account.account_key}
    for request in fw.requests_for(DELETE):
        expected = fids(theirs) if request["body"].get("account_key") else fids(mine)
        assert set(request["body"]["ids"]) == expected
    assert any("6 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_the_result_of_a_deletion_touching_an_ungranted_account_is_not_found(
    client, deleter, fw, mine, theirs, delegated_account, grant, admin_user
):
    grant(deleter, delegated_account)
    client.force_login(deleter)
    confirm(client, select(client, theirs).url)
    touching = BulkDeletion.objects.get()
    confirm(client, select(client, mine).url)
    owner_only = BulkDeletion.objects.exclude(pk=touching.pk).get()
    client.force_login(
        make_user("colleague", "orders.view_pendingorder", "orders.delete_at_finerworks")
    )

    for name in ("orders:deletion_detail", "orders:deletion_records", "orders:deletion_confirm"):
        url = reverse(name, args=[touching.pk])
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, name
    listing = client.get(reverse("orders:deletion_list")).content.decode()
    assert reverse("orders:deletion_detail", args=[touching.pk]) not in listing
    detail = client.get(reverse("orders:deletion_detail", args=[owner_only.pk]))
    assert detail.status_code == HTTPStatus.OK  # the 404 is about the ungranted account
    client.force_login(admin_user)
    detail = client.get(reverse("orders:deletion_detail", args=[touching.pk]))
    assert detail.status_code == HTTPStatus.OK


# ---------------------------------------------------------------------------- revoked grants


def test_a_grant_revoked_after_the_confirmation_page_sends_nothing_and_audits_the_refusal(
    client, deleter, fw, mine, theirs, delegated_account, grant
):
    access = grant(deleter, delegated_account)
    client.force_login(deleter)
    url = select(client, mine + theirs).url
    assert client.get(url).status_code == HTTPStatus.OK
    access.delete()

    client.post(url, {"confirm": "yes"})

    assert delegated_account.account_key not in sent_keys(fw)
    assert fids(theirs).isdisjoint(sent_ids(fw))
    assert fids(theirs) <= fw.listed_ids(delegated_account.account_key)
    refusal = FinerWorksCall.objects.filter(outcome="refused", account=delegated_account)
    assert refusal.exists(), "the refused account_key must be audited, not silently dropped"
    assert sorted(refusal.first().request_payload["ids"]) == sorted(fids(theirs))


def test_a_grant_revoked_before_a_background_run_refuses_that_account_only(
    client, deleter, fw, mine, theirs, delegated_account, grant
):
    access = grant(deleter, delegated_account)
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in mine + theirs])
    )
    assert bulk_deletion_confirm(deletion=deletion, user=deleter)
    access.delete()

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert sent_keys(fw) == {None}
    assert sorted(sent_ids(fw)) == sorted(fids(mine))
    [refusal] = deletion.calls.filter(outcome="refused")
    assert refusal.account == delegated_account
    assert sorted(refusal.request_payload["ids"]) == sorted(fids(theirs))
    assert refusal.request_payload["account_key"] == delegated_account.account_key
    result = dict(deletion.items.values_list("fulfillment_id", "outcome"))
    assert {result[f] for f in fids(theirs)} == {Outcome.NOT_SENT}
    assert {result[f] for f in fids(mine)} == {Outcome.DELETED}
    theirs_now = PendingOrder.objects.filter(pk__in=[o.pk for o in theirs])
    assert set(theirs_now.values_list("state", flat=True)) == {PendingOrder.State.PENDING}
    assert not theirs_now.filter(claimed_by__isnull=False).exists()
