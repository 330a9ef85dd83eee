"""Proving FinerWorks honours a delegated account_key before trusting it."""

import pytest
from django.urls import reverse

from orders.finerworks.client import FinerWorksClient
from orders.models import FinerWorksAccount, FinerWorksCall
from orders.services import finerworks_account_verify

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "22222222-3333-4444-8555-666666666666"
Verification = FinerWorksAccount.Verification


@pytest.fixture
def acme(fw, owner_account):
    fw.add_account(KEY)
    return FinerWorksAccount.objects.create(name="Acme", account_key=KEY)


def test_a_key_finerworks_honours_is_verified(fw, acme, admin_user):
    fw.seed(2, seed=1)
    fw.seed(3, seed=2, account_key=KEY)
    account = finerworks_account_verify(account=acme, acting_user=admin_user)
    assert account.verification == Verification.VERIFIED and account.verified_at
    calls = FinerWorksCall.objects.filter(purpose="account_check").order_by("id")
    assert [c.request_payload.get("account_key") for c in calls] == [None, KEY, None]


def test_a_key_finerworks_silently_ignores_is_flagged(fw, acme, admin_user):
    fw.account_keys_allowed = False  # the credentials may not use account keys
    fw.seed(2, seed=1)
    fw.seed(3, seed=2, account_key=KEY)
    account = finerworks_account_verify(account=acme, acting_user=admin_user)
    assert account.verification == Verification.NOT_HONOURED
    assert "owner" in account.verification_note
    assert account.needs_verification


def test_an_ignored_key_is_flagged_even_when_the_owners_orders_change_between_the_calls(
    fw, acme, admin_user, monkeypatch
):
    """Two listings that differ prove nothing: the owner may have gained and lost orders
    between them. Only disjoint listings prove the key is honoured."""
    fw.account_keys_allowed = False
    first, second = fw.seed(2, seed=1)
    real_list = FinerWorksClient.list_pending_orders
    calls = []

    def list_then_change(self, *args, **kwargs):
        response = real_list(self, *args, **kwargs)
        calls.append(kwargs.get("account_key"))
        if len(calls) == 1:  # someone works in the owner's account meanwhile
            fw.seed(1, seed=9)
            fw.delete_orders([second["fulfillment_id"]])
        return response

    monkeypatch.setattr(FinerWorksClient, "list_pending_orders", list_then_change)
    account = finerworks_account_verify(account=acme, acting_user=admin_user)

    assert calls == [None, KEY, None]
    assert account.verification == Verification.NOT_HONOURED
    assert f"#{first['fulfillment_id']}" in account.verification_note


def test_an_empty_keyed_listing_proves_nothing_even_beside_a_busy_owner(
    fw, acme, admin_user, monkeypatch
):
    """With the key ignored and the owner empty at the keyed call, the keyed listing is
    empty too; an owner order arriving just after must not make it look honoured."""
    fw.account_keys_allowed = False
    real_list = FinerWorksClient.list_pending_orders
    calls = []

    def list_then_owner_gains(self, *args, **kwargs):
        response = real_list(self, *args, **kwargs)
        calls.append(kwargs.get("account_key"))
        if len(calls) == 2:
            fw.seed(3, seed=1)
        return response

    monkeypatch.setattr(FinerWorksClient, "list_pending_orders", list_then_owner_gains)
    account = finerworks_account_verify(account=acme, acting_user=admin_user)
    assert account.verification == Verification.INCONCLUSIVE


def test_the_owner_account_is_never_shown_as_never_verified(owner_account):
    assert owner_account.verification == Verification.VERIFIED
    assert not owner_account.needs_verification and not owner_account.key_ignored


def test_two_empty_answers_prove_nothing(fw, acme, admin_user):
    account = finerworks_account_verify(account=acme, acting_user=admin_user)
    assert account.verification == Verification.INCONCLUSIVE


def test_a_failed_check_is_recorded_as_failed(fw, acme, admin_user):
    fw.add_fault("list_pending_orders", "500")
    account = finerworks_account_verify(account=acme, acting_user=admin_user)
    assert account.verification == Verification.FAILED
    assert "HTTP 500" in account.verification_note


def test_admin_action_verifies_and_reports(client, fw, acme, admin_user):
    fw.seed(1, seed=1)
    fw.seed(1, seed=2, account_key=KEY)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:orders_finerworksaccount_changelist"),
        {"action": "verify_account_key", "_selected_action": [acme.pk]},
        follow=True,
    )
    assert "Acme: Verified" in response.content.decode()
    acme.refresh_from_db()
    assert acme.verification == Verification.VERIFIED


def test_only_one_owner_account_can_exist(owner_account):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        FinerWorksAccount.objects.create(name="Second owner", account_key=None)


def test_an_empty_listing_later_does_not_undo_an_earlier_proof(fw, acme, admin_user):
    fw.seed(2, seed=1)
    [order] = fw.seed(1, seed=2, account_key=KEY)
    assert finerworks_account_verify(account=acme, acting_user=admin_user).verification == (
        Verification.VERIFIED
    )
    fw.delete_orders([order["fulfillment_id"]], KEY)  # the account's last order went

    account = finerworks_account_verify(account=acme, acting_user=admin_user)

    assert account.verification == Verification.VERIFIED
    assert "Re-checked" in account.verification_note
