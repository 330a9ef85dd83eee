"""An account_key FinerWorks ignores must never let fwadmin mirror the owner's orders under
another account's name: the sync refuses a delegated snapshot that is the owner's listing,
proves a never verified key first and skips a key found ignored until it is verified again,
while an honoured key syncs its own orders."""

import pytest

from orders.models import FinerWorksAccount, FinerWorksCall, PendingOrder
from orders.services import finerworks_account_verify, pending_orders_sync
from tests.account_keys_helpers import KEY, Verification, mirror_owner_orders_as, refusals
from tests.account_keys_helpers import delegated as delegated  # a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sync_refuses_a_delegated_snapshot_that_is_the_owners_listing(fw, delegated):
    """The key was once verified, then FinerWorks stopped honouring it: the delegated
    listing now holds the owner's ids, so nothing of it is mirrored."""
    owner_records = fw.seed(5, seed=1)
    fw.account_keys_allowed = False

    owner, acct = pending_orders_sync()

    assert owner.ok and owner.new == 5
    assert not acct.ok and "Sync refused, nothing changed" in str(acct)
    assert "ignores the key" in str(acct)
    assert not PendingOrder.objects.filter(account=delegated).exists()
    delegated.refresh_from_db()
    assert delegated.verification == Verification.NOT_HONOURED
    assert f"#{owner_records[0]['fulfillment_id']}" in delegated.verification_note
    [refusal] = refusals(delegated)
    assert refusal.endpoint == "list_pending_orders" and refusal.purpose == "sync"


def test_a_never_verified_key_is_proven_before_its_first_sync(fw, owner_account):
    fw.seed(3, seed=1)
    fw.account_keys_allowed = False
    fw.add_account(KEY)
    acct = FinerWorksAccount.objects.create(name="Delegated A", account_key=KEY)

    summaries = pending_orders_sync()

    assert [s.ok for s in summaries] == [True, False]
    acct.refresh_from_db()
    assert acct.verification == Verification.NOT_HONOURED
    assert not PendingOrder.objects.filter(account=acct).exists()
    checks = FinerWorksCall.objects.filter(account=acct, purpose="account_check")
    assert [c.request_payload.get("account_key") for c in checks.order_by("id")] == [
        None,
        KEY,
        None,
    ]


def test_an_account_found_ignored_is_not_synced_again_until_verified(fw, delegated):
    FinerWorksAccount.objects.filter(pk=delegated.pk).update(verification=Verification.NOT_HONOURED)
    fw.reset_requests()

    [summary] = pending_orders_sync(account=delegated)

    assert not summary.ok and "ignores this account's key" in str(summary)
    assert fw.requests == []  # not even a list call with the key
    assert refusals(delegated).count() == 1


def test_an_honoured_key_syncs_its_own_orders(fw, delegated):
    fw.seed(2, seed=1)
    mine = fw.seed(3, seed=2, account_key=KEY)

    owner, acct = pending_orders_sync()

    assert owner.ok and acct.ok and acct.new == 3
    mirrored = set(PendingOrder.objects.filter(account=delegated).values_list("fulfillment_id"))
    assert mirrored == {(r["fulfillment_id"],) for r in mine}


def test_an_owner_snapshot_exposes_a_delegated_mirror_of_the_owners_orders(fw, delegated):
    owner_records = fw.seed(2, seed=1)
    mirror_owner_orders_as(delegated, owner_records)

    [owner] = pending_orders_sync(account=FinerWorksAccount.objects.get(account_key=None))

    assert owner.ok and owner.new == 2
    delegated.refresh_from_db()
    assert delegated.key_ignored


def test_verify_sticks_once_the_owner_sync_has_cleared_a_delegated_copy_of_its_orders(
    fw, delegated, admin_user
):
    owner_records = fw.seed(2, seed=1)
    mirror_owner_orders_as(delegated, owner_records)  # made while the key was ignored
    fw.seed(1, seed=2, account_key=KEY)
    pending_orders_sync(account=FinerWorksAccount.objects.get(account_key=None))
    delegated.refresh_from_db()
    assert delegated.key_ignored
    assert not PendingOrder.objects.filter(account=delegated, state="pending").exists()

    finerworks_account_verify(account=delegated, acting_user=admin_user)
    summaries = pending_orders_sync()

    delegated.refresh_from_db()
    assert delegated.verification == Verification.VERIFIED
    assert all(s.ok for s in summaries)
    assert PendingOrder.objects.filter(account=delegated, state="pending").count() == 1
