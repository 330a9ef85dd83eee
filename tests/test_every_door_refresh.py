"""Every door into fwadmin keeps to the user's scope and fails safe: the refresh button.

A viewer's refresh lists and audits only the accounts they may see (the owner account, plus
any delegated account granted to them) and reports only those; the operator's sync command
still syncs every account.
"""

import io
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse

from orders.models import FinerWorksCall, PendingOrder
from tests.every_door_helpers import ACME_KEY, account_keys_sent
from tests.helpers import shown_messages

pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)

REFRESH = reverse("orders:refresh")


def audited_accounts() -> set:
    return set(FinerWorksCall.objects.values_list("account__name", flat=True))


@pytest.fixture
def two_accounts_at_finerworks(fw, owner_account, delegated_account):
    """The owner has 2 pending orders at FinerWorks, the delegated account 7."""
    fw.seed(2, seed=11)
    fw.seed(7, seed=12, account_key=delegated_account.account_key)
    return owner_account, delegated_account


@transactional
def test_a_refresh_by_a_viewer_without_grants_lists_and_audits_only_the_owner_account(
    client, fw, viewer, two_accounts_at_finerworks
):
    owner, delegated = two_accounts_at_finerworks
    client.force_login(viewer)

    response = client.post(REFRESH, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert account_keys_sent(fw) == [None]
    assert all(ACME_KEY not in r["raw_body"] for r in fw.requests)
    assert audited_accounts() == {owner.name}
    assert not PendingOrder.objects.filter(account=delegated).exists()
    assert PendingOrder.objects.filter(account=owner).count() == 2
    shown = " ".join(shown_messages(response))
    assert f"{owner.name}: 2 new" in shown
    assert delegated.name not in shown and "7 new" not in shown
    offered = {label for _, label, _ in response.context["form"].choice_options["account"]}
    assert delegated.name not in offered


@transactional
def test_a_refresh_by_a_viewer_granted_the_delegated_account_syncs_both(
    client, fw, viewer, grant, two_accounts_at_finerworks
):
    owner, delegated = two_accounts_at_finerworks
    grant(viewer, delegated)
    client.force_login(viewer)

    response = client.post(REFRESH, follow=True)

    assert sorted(account_keys_sent(fw), key=str) == sorted([None, ACME_KEY], key=str)
    assert audited_accounts() == {owner.name, delegated.name}
    assert PendingOrder.objects.filter(account=delegated).count() == 7
    shown = " ".join(shown_messages(response))
    assert f"{owner.name}: 2 new" in shown and f"{delegated.name}: 7 new" in shown


@transactional
def test_the_operator_sync_command_still_syncs_every_account(fw, two_accounts_at_finerworks):
    owner, delegated = two_accounts_at_finerworks
    out = io.StringIO()

    call_command("sync_pending_orders", stdout=out)

    assert sorted(account_keys_sent(fw), key=str) == sorted([None, ACME_KEY], key=str)
    assert audited_accounts() == {owner.name, delegated.name}
    assert PendingOrder.objects.filter(account=owner).count() == 2
    assert PendingOrder.objects.filter(account=delegated).count() == 7
    assert f"{delegated.name}: 7 new" in out.getvalue()
