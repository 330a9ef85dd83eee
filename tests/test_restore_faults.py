"""What a restore does when FinerWorks fails, over real HTTP against the sandbox: an
unknown outcome is settled by listing and never resent, a key FinerWorks ignores is
caught, and an order that was not saved can be restored again."""

import pytest
from django.urls import reverse

from orders.models import BulkRestore, FinerWorksAccount, PendingOrder
from tests.helpers import confirm
from tests.restore_helpers import (
    SAVE,
    Outcome,
    deleted_orders,
    outcomes,
    restore_deletion,
    restorer_user,
    saved_orders,
    start_restore,
)

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "list_pending_orders"


@pytest.fixture
def restorer(db):
    return restorer_user()


def test_an_unknown_outcome_is_checked_again_on_request_and_never_resent(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=701)
    fw.add_fault(SAVE, "saved_but_500")
    fw.add_fault(LIST, "500")  # and the listing that would tell fails too

    restore, page = restore_deletion(client, deletion)

    assert restore.state == BulkRestore.State.FAILED
    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.UNVERIFIED}
    assert "Check again" in page.content.decode()

    again = client.post(reverse("orders:restore_recheck", args=[restore.pk]), follow=True)

    restore.refresh_from_db()
    assert restore.state == BulkRestore.State.FINISHED
    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.RESTORED}
    assert len(saved_orders(fw)) == 1  # checked by listing, not by a second save
    assert "restored with new ids" in again.content.decode()


def test_a_save_that_timed_out_unapplied_is_not_saved_and_can_be_restored_again(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=702)
    fw.add_fault(SAVE, "read_timeout")

    restore, _ = restore_deletion(client, deletion)

    assert outcomes(restore) == {originals[0].fulfillment_id: Outcome.NOT_SAVED}
    assert fw.orders() == []
    second, _ = restore_deletion(client, deletion)  # released: a new, confirmed restore
    assert outcomes(second) == {originals[0].fulfillment_id: Outcome.RESTORED}
    assert len(fw.orders()) == 1


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
