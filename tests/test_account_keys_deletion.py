"""An account_key FinerWorks ignores must never let fwadmin delete the owner's orders under
another account's name: the confirmation (whatever is ticked) and the run each refuse it, a
resumed run or a pre-flight that lists none of the orders checks the key before calling
anything deleted or gone, and orders in flight of a failed run stay held until it is
requeued."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from orders.models import BulkDeletion, FinerWorksAccount, PendingOrder
from orders.services import (
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_run,
    pending_orders_sync,
)
from tests.account_keys_helpers import KEY, Verification, mirror_owner_orders_as, refusals
from tests.account_keys_helpers import delegated as delegated  # a fixture
from tests.helpers import DELETE, sent_ids

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deletion_for_an_ignored_key_sends_nothing_and_is_refused_and_audited(
    fw, delegated, deleter, grant
):
    """The reported bug: the delete hit the owner's order and was reported as verified for
    the delegated account. Now the pre-flight lists the same ids without the key too."""
    owner_records = fw.seed(2, seed=1)
    fw.account_keys_allowed = False
    orders = mirror_owner_orders_as(delegated, owner_records)
    grant(deleter, delegated)
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert sent_ids(fw) == []
    assert fw.listed_ids(None) == {r["fulfillment_id"] for r in owner_records}
    deletion.refresh_from_db()
    assert set(deletion.items.values_list("outcome", flat=True)) == {"not_sent"}
    assert not PendingOrder.objects.filter(pk__in=[o.pk for o in orders], state="deleted")
    [refusal] = refusals(delegated).filter(bulk_deletion=deletion)
    assert refusal.endpoint == DELETE
    assert sorted(refusal.request_payload["ids"]) == sorted(o.fulfillment_id for o in orders)
    delegated.refresh_from_db()
    assert delegated.verification == Verification.NOT_HONOURED


def test_no_tick_overrides_a_key_found_ignored(client, fw, delegated, deleter, grant):
    fw.seed(2, seed=2, account_key=KEY)
    pending_orders_sync()
    grant(deleter, delegated)
    FinerWorksAccount.objects.filter(pk=delegated.pk).update(verification=Verification.NOT_HONOURED)
    client.force_login(deleter)
    created = client.post(
        reverse("orders:deletion_create"),
        {"orders": list(PendingOrder.objects.values_list("pk", flat=True))},
    )
    page = client.get(created.url)
    assert "FinerWorks ignores this key" in page.content.decode()

    refused = client.post(created.url, {"confirm": "yes", "acknowledge_unverified": "on"})

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "ignores the account key of Delegated A" in refused.content.decode()
    assert sent_ids(fw) == []
    assert BulkDeletion.objects.get().state == BulkDeletion.State.AWAITING
    assert refusals(delegated).filter(endpoint=DELETE).count() == 1


def test_the_service_refuses_an_ignored_key_at_confirmation_too(fw, delegated, deleter, grant):
    fw.seed(1, seed=2, account_key=KEY)
    pending_orders_sync()
    grant(deleter, delegated)
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    FinerWorksAccount.objects.filter(pk=delegated.pk).update(verification=Verification.NOT_HONOURED)

    with pytest.raises(ValidationError, match="ignores the account key"):
        bulk_deletion_confirm(
            deletion=deletion, user=deleter, unverified_accounts_acknowledged=True
        )
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


def test_a_resumed_run_proves_the_key_before_it_re_lists_what_a_dead_run_sent(
    fw, delegated, deleter, grant
):
    """Re-listing with an ignored key would answer for the owner, who has none of the
    delegated ids: they would pass for deleted."""
    mine = fw.seed(2, seed=5, account_key=KEY)
    fw.seed(2, seed=6)  # the owner's own orders
    pending_orders_sync()
    grant(deleter, delegated)
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(account=delegated)
    )
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    deletion.items.update(outcome="sending")  # a run died after marking, before verifying
    BulkDeletion.objects.filter(pk=deletion.pk).update(state=BulkDeletion.State.FAILED)
    fw.account_keys_allowed = False  # meanwhile FinerWorks stopped honouring the key
    FinerWorksAccount.objects.filter(pk=delegated.pk).update(verification=Verification.NOT_HONOURED)
    call_command("deletions", requeue=deletion.pk)

    assert set(deletion.items.values_list("outcome", flat=True)) == {"unverified"}
    assert not PendingOrder.objects.filter(state="deleted").exists()
    assert fw.listed_ids(KEY) == {r["fulfillment_id"] for r in mine}
    assert sent_ids(fw) == []


def test_a_pre_flight_that_lists_none_with_the_key_checks_the_key_before_calling_them_gone(
    fw, delegated, deleter, grant
):
    fw.seed(2, seed=5, account_key=KEY)
    fw.seed(2, seed=6)
    pending_orders_sync()
    grant(deleter, delegated)
    fw.account_keys_allowed = False  # the owner has none of the delegated ids
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(account=delegated)
    )
    bulk_deletion_confirm(deletion=deletion, user=deleter)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert set(deletion.items.values_list("outcome", flat=True)) == {"not_sent"}
    assert PendingOrder.objects.filter(account=delegated, state="pending").count() == 2
    delegated.refresh_from_db()
    assert delegated.key_ignored
    assert refusals(delegated).filter(endpoint=DELETE).count() == 1


def test_a_pre_flight_that_lists_none_calls_nothing_gone_when_the_key_cannot_be_checked(
    fw, delegated, deleter, grant, monkeypatch
):
    fw.seed(2, seed=5, account_key=KEY)
    pending_orders_sync()
    grant(deleter, delegated)
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=deletion, user=deleter)
    fw.account_keys_allowed = False  # the keyed pre-flight lists none of them

    def check_fails(*, account, acting_user):  # FinerWorks failed the fresh key check
        FinerWorksAccount.objects.filter(pk=account.pk).update(
            verification=Verification.FAILED, verification_note="HTTP 500"
        )
        account.refresh_from_db()
        return account

    monkeypatch.setattr("orders.services.deletion_send.finerworks_account_verify", check_fails)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert set(deletion.items.values_list("outcome", flat=True)) == {"not_sent"}
    assert PendingOrder.objects.filter(state="pending").count() == 2
    assert sent_ids(fw) == []


def test_orders_in_flight_of_a_failed_run_stay_held_until_it_is_requeued(
    fw, owner_account, deleter, monkeypatch
):
    """Released, another deletion could send them too before the failed one verified."""
    fw.seed(2, seed=8)
    pending_orders_sync()
    first = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=first, user=deleter)
    import orders.services.deletion_run as run_module

    real_verify = run_module.verify_sent

    def crash_before_verifying(*args, resume=False, **kwargs):
        if not resume:
            raise RuntimeError("the worker died after sending, before verifying")
        return real_verify(*args, resume=resume, **kwargs)

    monkeypatch.setattr(run_module, "verify_sent", crash_before_verifying)
    with pytest.raises(RuntimeError):
        bulk_deletion_run(deletion=first, acting_user=deleter)
    monkeypatch.setattr(run_module, "verify_sent", real_verify)
    first.refresh_from_db()
    assert first.state == BulkDeletion.State.FAILED

    second = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())
    bulk_deletion_confirm(deletion=second, user=deleter)
    assert set(second.items.values_list("outcome", flat=True)) == {"claimed"}

    call_command("deletions", requeue=first.pk)
    assert set(first.items.values_list("outcome", flat=True)) == {"deleted"}
    assert len(sent_ids(fw)) == 2
    assert set(PendingOrder.objects.values_list("deleted_by_deletion", flat=True)) == {first.pk}
