"""What a restore does when FinerWorks fails, over real HTTP against the sandbox: an
unknown outcome is settled by listing and never resent, a key FinerWorks ignores is
caught, and an order that was not saved can be restored again."""

import pytest
from django.urls import reverse

from orders.models import BulkRestore, FinerWorksAccount, PendingOrder
from orders.services import bulk_restore_confirm, bulk_restore_run, bulk_restore_start
from tests.helpers import confirm
from tests.restore_helpers import (
    SAVE,
    Outcome,
    deleted_orders,
    outcomes,
    restore_deletion,
    saved_orders,
    start_restore,
)

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "list_pending_orders"


def test_an_unknown_outcome_is_checked_again_on_request_and_never_resent(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=701)
    fw.add_fault(SAVE, "saved_but_500")

    def listing_fails_after_the_save(entry):  # the listing that would tell fails too
        if entry["endpoint"] == SAVE:
            fw.add_fault(LIST, "500")

    fw.on_request = listing_fails_after_the_save

    restore, page = restore_deletion(client, deletion)

    assert restore.state == BulkRestore.State.FAILED
    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.UNVERIFIED}
    assert "Check again" in page.content.decode()

    fw.on_request = None
    again = client.post(reverse("orders:restore_recheck", args=[restore.pk]), follow=True)

    restore.refresh_from_db()
    assert restore.state == BulkRestore.State.FINISHED
    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.RESTORED}
    assert len(saved_orders(fw)) == 1  # checked by listing, not by a second save
    assert "restored with new ids" in again.content.decode()


def test_a_timed_out_save_stays_unknown_until_staff_release_it_then_it_can_be_restored(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=702)
    fw.add_fault(SAVE, "read_timeout")

    restore, page = restore_deletion(client, deletion)

    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.UNVERIFIED}
    assert "does not prove it was not saved" in page.content.decode()
    blocked = client.post(reverse("orders:restore_create"), {"deletion": deletion.pk}, follow=True)
    assert "restored already" in blocked.content.decode()  # still claimed: never resent
    release = reverse("orders:restore_release", args=[restore.pk])
    client.post(release, {})  # without the tick: nothing happens
    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.UNVERIFIED}

    client.post(release, {"checked": "yes"})

    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.NOT_SAVED}
    second, _ = restore_deletion(client, deletion)
    assert outcomes(second) == {originals[0].fulfillment_id: Outcome.RESTORED}
    assert len(fw.orders()) == 1


def test_a_success_false_answer_is_an_unknown_outcome_not_a_rejection(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=705)
    fw.add_fault(SAVE, "success_false")

    restore, _ = restore_deletion(client, deletion)

    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.UNVERIFIED}
    assert PendingOrder.objects.get(pk=originals[0].pk).restore_claimed_by_id == restore.pk


def test_an_identical_order_already_pending_is_never_taken_for_the_restored_one(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=706)
    twin = {k: v for k, v in originals[0].raw.items() if k != "fulfillment_id"}
    fw.add_order(twin)  # imported again at FinerWorks, not mirrored yet
    fw.add_fault(SAVE, "500")  # nothing saved, answer unclear

    restore, _ = restore_deletion(client, deletion)

    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.UNVERIFIED}
    assert not PendingOrder.objects.filter(restored_from__isnull=False).exists()


def test_an_order_a_sync_found_listed_again_after_confirming_is_not_saved(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=707)
    restore = bulk_restore_start(user=restorer, via="dashboard", deletion=deletion)
    bulk_restore_confirm(restore=restore, user=restorer)  # queued; no worker yet
    PendingOrder.objects.filter(pk=originals[0].pk).update(state=PendingOrder.State.PENDING)

    bulk_restore_run(restore=restore, acting_user=restorer)

    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.NOT_SENT}
    assert fw.requests_for(SAVE) == []


def test_a_rate_limited_save_is_not_retried_and_stops_the_run(fw, client, restorer, owner_account):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 2, seed=703)
    fw.add_fault(SAVE, "429", times=5)

    restore, _ = restore_deletion(client, deletion)

    assert restore.state == BulkRestore.State.FAILED
    assert len(fw.requests_for(SAVE)) == 1
    assert Outcome.RESTORED not in outcomes(restore).values()
    assert fw.orders() == []


def test_a_key_finerworks_ignores_at_save_time_is_reported_and_nothing_is_called_restored(
    fw, client, admin_user, owner_account, delegated_account
):
    client.force_login(admin_user)
    deletion, originals = deleted_orders(fw, client, 1, seed=704, account=delegated_account)
    fw.account_keys_allowed = False  # from now on FinerWorks answers for the owner

    page = confirm(client, start_restore(client, deletion=deletion.pk))

    restore = BulkRestore.objects.get()
    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.WRONG_ACCOUNT}
    delegated_account.refresh_from_db()
    assert delegated_account.verification == FinerWorksAccount.Verification.NOT_HONOURED
    assert not PendingOrder.objects.filter(restored_from__isnull=False).exists()
    assert "owner account" in page.content.decode()
