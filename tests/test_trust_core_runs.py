"""The trust core, end to end over real HTTP against the sandbox, during a deletion's run:
a 429/503 on a delete is settled by verification instead of a resend and stops the run, and a
grant or permission revoked mid-run stops the next chunk and is audited."""

from collections import Counter
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission

from orders.models import AccountGrant, BulkDeletion, FinerWorksCall, PendingOrder
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.helpers import DELETE, confirm, fids, mirror, sent_ids
from tests.trust_core_helpers import (
    Outcome,
    State,
    after_first_delete,
    notes,
    outcomes,
    prepare,
    states,
)

pytestmark = pytest.mark.django_db(transaction=True)


def delete_as(user, orders) -> BulkDeletion:
    """Freeze, confirm and run a deletion of the orders as the user (as the worker does)."""
    deletion = bulk_deletion_create(
        user=user, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    )
    assert bulk_deletion_confirm(
        deletion=deletion, user=user, unverified_accounts_acknowledged=True
    )
    bulk_deletion_run(deletion=deletion, acting_user=user)
    deletion.refresh_from_db()
    return deletion


# ---------------------------------------------------------------------------- 429 / 503 on delete


@pytest.mark.parametrize(
    "mode, first_chunk",
    [
        ("429", Outcome.STILL_PENDING),
        ("503_retry", Outcome.STILL_PENDING),
        ("deleted_but_429", Outcome.DELETED),
        ("deleted_but_503", Outcome.DELETED),
    ],
)
def test_a_rate_limit_on_a_delete_stops_the_run_and_verification_settles_the_chunk(
    client, deleter, fw, owner_account, settings, mode, first_chunk
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    orders = mirror(fw, 6, seed=77)
    fw.add_fault(DELETE, mode)
    client.force_login(deleter)

    done = confirm(client, prepare(client, orders))

    assert done.status_code == HTTPStatus.OK
    # Only the first chunk went out, once: a 429/503 is never resent, and it stops the run.
    assert Counter(sent_ids(fw)) == Counter(fids(orders[:2]))
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FAILED
    assert "slow down" in deletion.error_message
    result = outcomes(deletion)
    assert {result[o.fulfillment_id] for o in orders[:2]} == {first_chunk}
    assert {result[o.fulfillment_id] for o in orders[2:]} == {Outcome.NOT_SENT}
    assert all("slow down" in notes(deletion)[o.fulfillment_id] for o in orders[2:])
    deleted = first_chunk == Outcome.DELETED
    assert set(states(orders[:2]).values()) == {State.DELETED if deleted else State.PENDING}
    assert set(states(orders[2:]).values()) == {State.PENDING}
    assert [c.outcome for c in deletion.calls.filter(purpose="delete")] == ["rate_limited"]
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()


# ---------------------------------------------------------------------------- revoked mid-run


def _revoke_grant(user, account):
    AccountGrant.objects.filter(user=user, account=account).delete()


def _revoke_permission(user, account):
    user.user_permissions.remove(Permission.objects.get(codename="delete_at_finerworks"))


REVOCATIONS = {
    "the account grant": (_revoke_grant, "deleter may not act for the FinerWorks account"),
    "the delete permission": (
        _revoke_permission,
        "deleter may no longer delete orders at FinerWorks",
    ),
}


@pytest.mark.parametrize("revoked", REVOCATIONS)
def test_a_right_revoked_during_a_run_stops_the_next_chunk_and_is_audited(
    fw, deleter, delegated_account, grant, settings, monkeypatch, revoked
):
    revoke, refusal = REVOCATIONS[revoked]
    settings.FINERWORKS_DELETE_BATCH_SIZE = 2
    grant(deleter, delegated_account)
    orders = mirror(fw, 6, seed=78, account=delegated_account)
    after_first_delete(monkeypatch, lambda: revoke(deleter, delegated_account))

    deletion = delete_as(deleter, orders)

    first, rest = orders[:2], orders[2:]
    assert sent_ids(fw) == sorted(fids(first))
    assert fw.listed_ids(delegated_account.account_key) == fids(rest)
    result = outcomes(deletion)
    assert {result[o.fulfillment_id] for o in first} == {Outcome.DELETED}
    assert {result[o.fulfillment_id] for o in rest} == {Outcome.NOT_SENT}
    assert all(refusal in notes(deletion)[o.fulfillment_id] for o in rest)
    assert set(states(first).values()) == {State.DELETED}
    assert set(states(rest).values()) == {State.PENDING}
    [refused] = FinerWorksCall.objects.filter(outcome="refused")
    assert (refused.endpoint, refused.purpose) == (DELETE, "delete")
    assert refused.bulk_deletion_id == deletion.pk
    assert refused.account == delegated_account
    assert refused.request_payload["ids"] == sorted(fids(rest))
    assert refusal in refused.error_text
