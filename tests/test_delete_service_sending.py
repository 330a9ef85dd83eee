"""Deleting at FinerWorks end to end, over real HTTP against the sandbox, up to what is
sent: the frozen selection, chunking (one account's ids and key per chunk, no id twice), the
pre-flight that sends nothing already gone or not asked for, and the acknowledgement an
unverified account needs first."""

from collections import Counter
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError

from orders.models import (
    BulkDeletion,
    BulkDeletionItem,
    FinerWorksAccount,
    FinerWorksCall,
    PendingOrder,
)
from orders.services import bulk_deletion_confirm, bulk_deletion_create, bulk_deletion_run
from tests.delete_service_helpers import Outcome, outcomes, prepare, remove_at_finerworks, states
from tests.helpers import (
    DELETE,
    confirm,
    fids,
    forget_verification,
    mirror,
    sent_ids,
    shown_messages,
)

pytestmark = pytest.mark.django_db(transaction=True)


# ---------------------------------------------------------------------------- freezing


def test_a_selection_is_frozen_with_each_orders_id_and_account_and_nothing_out_of_scope(
    fw, deleter, owner_account, delegated_account
):
    mine = mirror(fw, 4, seed=41)
    mirror(fw, 2, seed=42, account=delegated_account)  # not granted to the deleter
    PendingOrder.objects.filter(pk=mine[0].pk).update(state=PendingOrder.State.GONE)

    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.all())

    frozen = set(
        deletion.items.values_list("order", "account", "fulfillment_id", "outcome", "note")
    )
    assert frozen == {
        (o.pk, owner_account.pk, o.fulfillment_id, Outcome.SELECTED, "") for o in mine[1:]
    }


def test_a_selection_with_nothing_left_to_delete_is_refused_and_leaves_no_deletion(
    fw, deleter, owner_account
):
    orders = mirror(fw, 2, seed=43)
    PendingOrder.objects.update(state=PendingOrder.State.GONE)

    with pytest.raises(ValidationError, match="No pending orders were selected"):
        bulk_deletion_create(user=deleter, orders=PendingOrder.objects.filter(pk=orders[0].pk))

    assert not BulkDeletion.objects.exists()
    assert not BulkDeletionItem.objects.exists()


# ---------------------------------------------------------------------------- chunking


def test_120_orders_are_sent_in_chunks_of_50_50_and_20_without_repeating_an_id(
    client, deleter, fw, owner_account, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 50
    orders = mirror(fw, 120, seed=5)
    client.force_login(deleter)

    # Above FWADMIN_CONFIRM_TYPED_ABOVE (100) the count must be typed and a reason given.
    done = confirm(client, prepare(client, orders), typed_count=120, reason="Duplicate import")

    bodies = [r["body"] for r in fw.requests_for(DELETE)]
    assert [len(b["ids"]) for b in bodies] == [50, 50, 20]
    assert all("account_key" not in b for b in bodies)
    assert sorted(sent_ids(fw)) == sorted(fids(orders))  # intact, none twice
    assert set(states(orders).values()) == {PendingOrder.State.DELETED}
    deletion = BulkDeletion.objects.get()
    delete_calls = FinerWorksCall.objects.filter(bulk_deletion=deletion, purpose="delete")
    assert [len(c.request_payload["ids"]) for c in delete_calls.order_by("id")] == [50, 50, 20]
    assert set(delete_calls.values_list("outcome", flat=True)) == {"ok"}
    assert any("120 orders deleted at FinerWorks (verified)." in m for m in shown_messages(done))


def test_each_chunk_carries_one_accounts_ids_and_that_accounts_key(
    client, deleter, fw, owner_account, delegated_account, grant, settings
):
    settings.FINERWORKS_DELETE_BATCH_SIZE = 50
    grant(deleter, delegated_account)
    mine = mirror(fw, 60, seed=6)
    theirs = mirror(fw, 70, seed=7, account=delegated_account)
    client.force_login(deleter)

    confirm(client, prepare(client, mine + theirs), typed_count=130, reason="Duplicate import")

    bodies = [r["body"] for r in fw.requests_for(DELETE)]
    assert sorted(len(b["ids"]) for b in bodies) == [10, 20, 50, 50]
    for body in bodies:
        if body.get("account_key") == delegated_account.account_key:
            assert set(body["ids"]) <= fids(theirs)
        else:
            assert "account_key" not in body
            assert set(body["ids"]) <= fids(mine)
    assert Counter(sent_ids(fw)) == Counter(fids(mine) | fids(theirs))
    assert fw.listed_ids() == set() and fw.listed_ids(delegated_account.account_key) == set()
    calls = FinerWorksCall.objects.filter(purpose="delete")
    assert {c.account_id for c in calls} == {owner_account.pk, delegated_account.pk}
    for call in calls:
        expected_key = call.account.account_key
        assert call.request_payload.get("account_key") == expected_key


# ---------------------------------------------------------------------------- pre-flight


def test_orders_gone_at_finerworks_since_the_last_sync_are_not_sent(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 5, seed=12)
    client.force_login(deleter)
    url = prepare(client, orders)
    remove_at_finerworks(fw, orders[:2])

    done = confirm(client, url)

    assert sent_ids(fw) == sorted(fids(orders[2:]))
    deletion = BulkDeletion.objects.get()
    result = outcomes(deletion)
    assert {result[o.fulfillment_id] for o in orders[:2]} == {Outcome.ALREADY_GONE}
    assert {result[o.fulfillment_id] for o in orders[2:]} == {Outcome.DELETED}
    assert set(states(orders[:2]).values()) == {PendingOrder.State.GONE}
    [preflight] = deletion.calls.filter(purpose="preflight")
    assert sorted(preflight.request_payload["ids"]) == sorted(fids(orders))
    assert any(
        "2 orders were already gone at FinerWorks; nothing was sent." in m
        for m in shown_messages(done)
    )


def test_an_order_finerworks_lists_without_being_asked_for_it_is_never_sent(
    fw, deleter, owner_account
):
    orders = mirror(fw, 6, seed=44)
    fw.list_ignores_ids = True
    deletion = bulk_deletion_create(
        user=deleter, orders=PendingOrder.objects.filter(pk__in=[o.pk for o in orders[:3]])
    )
    bulk_deletion_confirm(deletion=deletion, user=deleter)

    bulk_deletion_run(deletion=deletion, acting_user=deleter)

    assert sorted(sent_ids(fw)) == sorted(fids(orders[:3]))
    assert set(outcomes(deletion).values()) == {Outcome.DELETED}
    assert set(states(orders[3:]).values()) == {PendingOrder.State.PENDING}
    assert fw.listed_ids() == fids(orders[3:])


# ---------------------------------------------------------------------------- acknowledgement


@pytest.fixture
def unverified_account(fw):
    key = fw.add_account("99999999-8888-4777-8666-555555555555")
    return FinerWorksAccount.objects.create(name="Unproven Ltd", account_key=key)


def test_an_unverified_account_needs_the_acknowledgement_before_anything_is_sent(
    client, deleter, fw, owner_account, unverified_account, grant
):
    grant(deleter, unverified_account)
    orders = mirror(fw, 3, seed=13, account=unverified_account)
    forget_verification(unverified_account)
    client.force_login(deleter)
    url = prepare(client, orders)

    refused = client.post(url, {"confirm": "yes"})

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "has not been shown to honour the account key of Unproven Ltd" in (
        refused.content.decode()
    )
    assert fw.requests == []
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.AWAITING
    assert not PendingOrder.objects.filter(claimed_by__isnull=False).exists()

    done = confirm(client, url, acknowledge_unverified="on")

    assert done.status_code == HTTPStatus.OK
    [sent] = fw.requests_for(DELETE)
    assert sent["body"]["account_key"] == unverified_account.account_key
    assert sorted(sent["body"]["ids"]) == sorted(fids(orders))
    assert set(states(orders).values()) == {PendingOrder.State.DELETED}
