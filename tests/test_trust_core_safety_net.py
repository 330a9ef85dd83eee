"""The trust core's safety net, end to end over real HTTP against the sandbox: a sync that
contradicts a verified deletion says so loudly and puts the order back, while a listing taken
before a deletion was verified neither revives the order nor reports it changed, and a sync
never marks gone an order a confirmed deletion holds."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import BulkDeletion, FinerWorksCall, PendingOrder
from orders.services import (
    bulk_deletion_confirm,
    bulk_deletion_create,
    bulk_deletion_run,
    pending_orders_sync,
)
from orders.services.sync import Snapshot
from tests.helpers import DELETE, confirm, mirror
from tests.trust_core_helpers import Outcome, State, outcomes, prepare, remove_at_finerworks, states

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sync_still_listing_an_order_verified_deleted_puts_it_back_with_a_warning(
    client, deleter, fw, owner_account
):
    orders = mirror(fw, 3, seed=79)
    client.force_login(deleter)
    confirm(client, prepare(client, orders))
    deletion = BulkDeletion.objects.get()
    assert deletion.state == BulkDeletion.State.FINISHED
    assert set(outcomes(deletion).values()) == {Outcome.DELETED}
    back, *others = orders
    fw.undelete_order(back.fulfillment_id)  # FinerWorks lists it again: the delete did not hold

    [summary] = pending_orders_sync()

    said = f"FinerWorks still lists this order after deletion #{deletion.pk} reported it deleted."
    back.refresh_from_db()
    assert back.state == State.PENDING
    assert back.warning.startswith(said)
    assert set(states(others).values()) == {State.DELETED}
    assert not PendingOrder.objects.exclude(pk=back.pk).exclude(warning="").exists()
    assert summary.listed_again == 1
    assert "1 marked deleted are still listed by FinerWorks" in str(summary)
    item = deletion.items.get(order=back)
    assert item.outcome == Outcome.STILL_PENDING
    assert said.replace("this order", "it") in item.note
    assert {outcomes(deletion)[o.fulfillment_id] for o in others} == {Outcome.DELETED}
    [finding] = FinerWorksCall.objects.filter(outcome="listed_after_delete")
    assert finding.bulk_deletion_id == deletion.pk
    assert finding.account == owner_account
    assert finding.request_payload["ids"] == [back.fulfillment_id]
    page = client.get(reverse("orders:detail", args=[back.pk]))
    assert page.status_code == HTTPStatus.OK
    assert said in page.content.decode()


def deleted_while_listing(monkeypatch, order):
    """A deletion's verification marks the order deleted after the sync listed it (its
    snapshot still shows the order) and before that snapshot is applied."""
    real_of = Snapshot.of

    def listed_then_verified_deleted(response, listed_at):
        snapshot = real_of(response, listed_at)
        PendingOrder.objects.filter(pk=order.pk).update(
            state=State.DELETED, state_changed_at=timezone.now()
        )
        return snapshot

    monkeypatch.setattr(
        "orders.services.sync.Snapshot.of", staticmethod(listed_then_verified_deleted)
    )


def test_a_listing_taken_before_a_deletion_was_verified_does_not_revive_the_order(
    fw, owner_account, monkeypatch
):
    orders = mirror(fw, 3, seed=80)
    target = orders[0]
    deleted_while_listing(monkeypatch, target)

    [summary] = pending_orders_sync()

    target.refresh_from_db()
    assert (target.state, target.warning) == (State.DELETED, "")
    assert summary.listed_again == 0
    assert "pending again" not in str(summary)
    assert not FinerWorksCall.objects.filter(outcome="listed_after_delete").exists()
    assert set(states(orders[1:]).values()) == {State.PENDING}


def test_an_order_a_sync_lost_the_race_for_is_not_reported_as_changed(
    fw, owner_account, monkeypatch
):
    orders = mirror(fw, 3, seed=82)
    deleted_while_listing(monkeypatch, orders[0])

    [summary] = pending_orders_sync()

    # Nothing of the mirror was written: the summary staff read must not say otherwise.
    assert (summary.new, summary.changed, summary.gone) == (0, 0, 0), str(summary)


def test_a_sync_never_marks_gone_an_order_a_confirmed_deletion_holds(fw, deleter, owner_account):
    orders = mirror(fw, 3, seed=81)
    held, unheld, _ = orders
    deletion = bulk_deletion_create(user=deleter, orders=PendingOrder.objects.filter(pk=held.pk))
    assert bulk_deletion_confirm(deletion=deletion, user=deleter)  # claimed; not sent yet
    remove_at_finerworks(fw, [held, unheld])

    [summary] = pending_orders_sync()

    assert summary.complete and summary.gone == 1
    assert states([held, unheld]) == {
        held.fulfillment_id: State.PENDING,
        unheld.fulfillment_id: State.GONE,
    }
    # The deletion that holds it settles it: FinerWorks no longer lists it, nothing is sent.
    bulk_deletion_run(deletion=deletion, acting_user=deleter)
    assert fw.requests_for(DELETE) == []
    assert outcomes(deletion) == {held.fulfillment_id: Outcome.ALREADY_GONE}
    assert states([held]) == {held.fulfillment_id: State.GONE}
