"""Restoring deleted orders at FinerWorks end to end, over real HTTP against the sandbox:
each order re-created once with a new id, verified by listing, mirrored and linked, and
every call audited."""

import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import BulkRestore, FinerWorksCall, PendingOrder
from orders.services import bulk_restore_run
from tests.helpers import confirm
from tests.restore_helpers import (
    SAVE,
    Outcome,
    delete_everything,
    deleted_orders,
    outcomes,
    restore_deletion,
    saved_orders,
    start_restore,
    without_id,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_restoring_a_whole_deletion_recreates_each_order_with_a_new_id_linked_to_the_old(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 3, seed=501)

    restore, page = restore_deletion(client, deletion)

    assert restore.state == BulkRestore.State.FINISHED
    assert set(outcomes(restore).values()) == {Outcome.RESTORED}
    listed = {r["fulfillment_id"]: r for r in fw.orders()}
    for item in restore.items.select_related("order", "new_order"):
        assert item.new_fulfillment_id not in {o.fulfillment_id for o in originals}
        assert without_id(listed[item.new_fulfillment_id]) == without_id(item.order.raw)
        assert item.new_order.state == PendingOrder.State.PENDING
        assert item.new_order.restored_from_id == item.order_id
        assert item.new_order.fulfillment_id == item.new_fulfillment_id
    calls = FinerWorksCall.objects.filter(bulk_restore=restore)
    assert set(calls.values_list("endpoint", "purpose")) == {
        (SAVE, "restore"),
        ("list_pending_orders", "restore_verify"),
    }
    saves = [call.request_payload for call in calls.filter(endpoint=SAVE)]
    assert all("orders" not in payload for payload in saves)  # addresses stay out of it
    audited_pos = [po for payload in saves for po in payload["order_pos"]]
    assert sorted(audited_pos) == sorted(o.order_po for o in originals)
    html = page.content.decode()
    for item in restore.items.all():
        assert f">{item.fulfillment_id}</a>" in html and f">{item.new_fulfillment_id}</a>" in html


def test_a_restore_confirmed_twice_or_from_two_tabs_or_run_by_two_workers_saves_each_order_once(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 3, seed=502)
    first_tab = start_restore(client, deletion=deletion.pk)
    second_tab = start_restore(client, deletion=deletion.pk)

    confirm(client, first_tab)
    confirm(client, first_tab)  # a double click
    second = confirm(client, second_tab)
    for restore in BulkRestore.objects.all():  # a second worker picking either up again
        bulk_restore_run(restore=restore, acting_user=restorer)

    assert sorted(o["order_po"] for o in saved_orders(fw)) == sorted(o.order_po for o in originals)
    later = BulkRestore.objects.latest("pk")
    assert set(outcomes(later).values()) == {Outcome.CLAIMED}
    assert second.status_code == HTTPStatus.OK
    assert PendingOrder.objects.filter(restored_from__isnull=False).count() == 3


def test_a_restored_order_cannot_be_restored_again(fw, client, restorer, owner_account):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=503)
    restore_deletion(client, deletion)

    response = client.post(
        reverse("orders:restore_create"), {"order": originals[0].pk}, follow=True
    )

    assert "restored already" in response.content.decode()
    assert len(fw.requests_for(SAVE)) == 1


def test_an_order_finerworks_rejects_is_reported_with_its_reason_and_the_others_restored(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    records = fw.seed(3, seed=504)
    broken = records[1]
    broken["order_items"][0]["product_sku"] = ""
    for record in records:  # one source: one save call for all three
        record["source"] = "web"
        fw.edit_order(record)
    deletion = delete_everything(fw, client)

    restore, page = restore_deletion(client, deletion)

    result = outcomes(restore)
    assert result.pop(broken["fulfillment_id"]) == Outcome.REJECTED
    assert set(result.values()) == {Outcome.RESTORED}
    note = restore.items.get(fulfillment_id=broken["fulfillment_id"]).note
    assert "product_sku" in note
    assert note in page.content.decode()
    assert len(saved_orders(fw)) == 3 + 2  # the rejected call, then the two others alone


def test_a_save_that_answered_500_after_saving_is_found_by_listing_and_never_resent(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 2, seed=505)
    fw.add_fault(SAVE, "saved_but_500")

    restore, _ = restore_deletion(client, deletion)

    assert set(outcomes(restore).values()) == {Outcome.RESTORED}
    sent_pos = sorted(o["order_po"] for o in saved_orders(fw))
    assert sent_pos == sorted(o.order_po for o in originals)  # each sent once
    listed = {r["fulfillment_id"] for r in fw.orders()}
    new_ids = set(restore.items.values_list("new_fulfillment_id", flat=True))
    assert new_ids <= listed and len(new_ids) == 2
    assert len(fw.orders()) == 2  # no duplicate was created


def test_an_apostrophe_finerworks_fails_on_is_not_called_restored_and_its_note_says_why(
    fw, client, restorer, owner_account, settings
):
    settings.FWADMIN_RESTORE_BATCH_SIZE = 1
    client.force_login(restorer)
    records = fw.seed(2, seed=506)
    quoted = records[0]
    quoted["recipient"]["last_name"] = "O'Brien"
    quoted["gift_message"] = ""
    plain = records[1]
    plain["recipient"]["last_name"] = "Smith"
    plain["recipient"]["first_name"] = quoted["recipient"]["first_name"] = "Ann"
    for record in (quoted, plain):
        for item in record["order_items"]:
            item["product_title"] = "Print"
        record["recipient"]["address_1"] = "1 Main St"
        fw.edit_order(record)
    assert "'" not in json.dumps(plain) and "'" in json.dumps(quoted)
    deletion = delete_everything(fw, client)
    fw.set_apostrophe_quirk(True)

    restore, page = restore_deletion(client, deletion)

    result = outcomes(restore)
    assert result == {
        quoted["fulfillment_id"]: Outcome.UNVERIFIED,  # a 500 may still have saved it
        plain["fulfillment_id"]: Outcome.RESTORED,
    }
    note = restore.items.get(fulfillment_id=quoted["fulfillment_id"]).note
    assert "apostrophe" in note and "FWADMIN_RESTORE_DOUBLE_APOSTROPHES" in note
    sent = {o["order_po"]: o for o in saved_orders(fw)}
    assert sent[quoted["order_po"]]["recipient"]["last_name"] == "O'Brien"  # sent as stored
