"""Mirroring FinerWorks pending orders through the sandbox, over real HTTP."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import FinerWorksCall, PendingOrder
from orders.services import pending_orders_sync

pytestmark = pytest.mark.django_db(transaction=True)

ODD_RECORD = {
    "order_po": "WC_1001",
    "recipient": {
        "first_name": "Zoë",
        "last_name": "O'Brien",
        "company_name": "<script>alert(1)</script>",
        "email": "zoe@example.com",
        "country_code": "IE",
    },
    "order_items": [{"product_sku": "AP-1", "product_title": "山田 print", "product_qty": 3}],
    "source": "excel",
    "shipping_code": "SD",
    "test_mode": True,
    "createdAt": "2026-01-01T00:00:00Z",
}


def test_first_sync_mirrors_every_order_with_its_raw_record(fw, owner_account):
    fw.seed(30, seed=4)
    record = fw.add_order(ODD_RECORD)

    [summary] = pending_orders_sync()

    assert (summary.new, summary.changed, summary.unchanged, summary.gone) == (31, 0, 0, 0)
    order = PendingOrder.objects.get(fulfillment_id=record["fulfillment_id"])
    assert order.raw == record  # unknown fields, apostrophes, non-Latin text kept
    assert order.recipient_name == "Zoë O'Brien"
    assert order.recipient_company == "<script>alert(1)</script>"
    assert (order.item_count, order.total_quantity, order.test_mode) == (1, 3, True)
    assert order.account == owner_account
    owner_account.refresh_from_db()
    assert owner_account.last_synced_at is not None


def test_resync_counts_new_changed_unchanged_and_gone(fw, owner_account):
    records = fw.seed(10, seed=1)
    pending_orders_sync()
    first_seen = PendingOrder.objects.get(fulfillment_id=records[1]["fulfillment_id"]).first_seen_at

    # Elsewhere at FinerWorks: one order edited, one submitted (gone), one new.
    edited = dict(records[1], order_po="EDITED-1")
    fw.edit_order(edited)
    fw.submit_order(records[2]["fulfillment_id"])
    fw.add_order(ODD_RECORD)

    [summary] = pending_orders_sync()

    assert (summary.new, summary.changed, summary.unchanged, summary.gone) == (1, 1, 8, 1)
    changed = PendingOrder.objects.get(fulfillment_id=edited["fulfillment_id"])
    assert changed.order_po == "EDITED-1"
    assert changed.first_seen_at == first_seen  # our timestamp survives an update
    gone = PendingOrder.objects.get(fulfillment_id=records[2]["fulfillment_id"])
    assert gone.state == PendingOrder.State.GONE  # kept for history, never hard-deleted
    unchanged = PendingOrder.objects.get(fulfillment_id=records[0]["fulfillment_id"])
    assert unchanged.last_seen > first_seen


def test_duplicate_order_po_values_are_separate_orders(fw, owner_account):
    fw.add_order(dict(ODD_RECORD))
    fw.add_order(dict(ODD_RECORD))
    pending_orders_sync()
    assert PendingOrder.objects.filter(order_po="WC_1001").count() == 2


def test_delegated_accounts_are_synced_with_their_own_key(fw, owner_account, delegated_account):
    fw.seed(3, seed=1)
    fw.seed(5, seed=2, account_key=delegated_account.account_key)

    summaries = pending_orders_sync()

    assert {s.account.name: s.new for s in summaries} == {"Own account": 3, "Acme Prints": 5}
    assert PendingOrder.objects.filter(account=delegated_account).count() == 5
    sent_keys = [r["body"].get("account_key") for r in fw.requests_for("list_pending_orders")]
    assert sorted(sent_keys, key=str) == sorted([None, delegated_account.account_key], key=str)


@pytest.mark.parametrize(
    "mode", ["500", "502_html", "read_timeout", "drop", "success_false", "malformed_json"]
)
def test_a_failed_sync_changes_no_order_and_is_audited(fw, owner_account, mode):
    fw.seed(5, seed=1)
    pending_orders_sync()
    before = list(PendingOrder.objects.order_by("pk").values_list("pk", "state", "last_seen_at"))
    fw.clear_orders()  # if the failure were misread as "empty", all would go
    fw.add_fault("list_pending_orders", mode)

    [summary] = pending_orders_sync()

    assert not summary.ok
    after = list(PendingOrder.objects.order_by("pk").values_list("pk", "state", "last_seen_at"))
    assert after == before
    call = FinerWorksCall.objects.filter(purpose="sync").order_by("-id").first()
    assert call.outcome == summary.error.outcome
    assert call.error_text


def test_every_attempt_of_a_sync_is_one_audit_row(fw, owner_account):
    fw.seed(2, seed=1)
    fw.add_fault("list_pending_orders", "429")  # retried once, then answered

    [summary] = pending_orders_sync()

    assert summary.ok
    calls = list(FinerWorksCall.objects.order_by("id"))
    assert [(c.outcome, c.attempt, c.http_status) for c in calls] == [
        ("rate_limited", 1, 429),
        ("ok", 2, 200),
    ]
    assert len(fw.requests_for("list_pending_orders")) == 2
    assert calls[1].reference_id and calls[1].success is True


def test_bad_credentials_are_reported_and_audited(fw, owner_account, settings):
    settings.FINERWORKS_APP_KEY = "wrong-key"
    [summary] = pending_orders_sync()
    assert summary.error.outcome == "credentials_rejected"
    assert "credentials" in str(summary).lower()
    assert FinerWorksCall.objects.get().http_status == 400


def test_command_prints_summary_and_fails_with_reason(fw, owner_account, capsys):
    fw.seed(4, seed=1)
    call_command("sync_pending_orders")
    assert "4 new" in capsys.readouterr().out

    fw.add_fault("list_pending_orders", "500")
    with pytest.raises(CommandError, match="Sync failed"):
        call_command("sync_pending_orders", account="Own account")


def test_command_refuses_unknown_account(fw, owner_account):
    with pytest.raises(CommandError, match="No FinerWorks account"):
        call_command("sync_pending_orders", account="nope")
    assert FinerWorksCall.objects.count() == 0


def test_sync_without_keys_fails_clearly(db, owner_account, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FINERWORKS_WEB_API_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="FINERWORKS_WEB_API_KEY"):
        pending_orders_sync()


def test_resync_of_unchanged_orders_writes_no_order_row_yet_they_read_as_seen(fw, owner_account):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    records = fw.seed(20, seed=3)
    pending_orders_sync()
    order = PendingOrder.objects.get(fulfillment_id=records[0]["fulfillment_id"])
    seen_before = order.last_seen

    with CaptureQueriesContext(connection) as queries:
        [summary] = pending_orders_sync()

    assert summary.unchanged == 20
    written = [
        q["sql"]
        for q in queries.captured_queries
        if "orders_pendingorder" in q["sql"].split(" WHERE ")[0]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert written == []  # one snapshot's "seen" is stored once, on the account
    order = PendingOrder.objects.select_related("account").get(pk=order.pk)
    assert order.last_seen > seen_before


def test_an_order_gone_keeps_the_time_it_was_last_listed(fw, owner_account):
    records = fw.seed(3, seed=5)
    pending_orders_sync()
    pending_orders_sync()
    owner_account.refresh_from_db()
    last_listing = owner_account.listed_all_at
    fw.submit_order(records[0]["fulfillment_id"])

    pending_orders_sync()

    gone = PendingOrder.objects.get(fulfillment_id=records[0]["fulfillment_id"])
    assert gone.state == PendingOrder.State.GONE
    assert gone.last_seen == last_listing  # not the sync that missed it


def test_the_sync_command_runs_at_a_lower_cpu_priority(fw, owner_account, settings, monkeypatch):
    """Background work beside the web workers: staff pages keep the CPU first."""
    import os

    settings.FWADMIN_SYNC_NICE = 10
    niced = []
    monkeypatch.setattr(os, "nice", niced.append)
    fw.seed(2, seed=1)

    call_command("sync_pending_orders")

    assert niced == [10]
    assert PendingOrder.objects.count() == 2


def test_an_answer_that_cannot_be_stored_is_audited_and_changes_nothing(
    fw, owner_account, monkeypatch
):
    fw.seed(5, seed=6)
    pending_orders_sync()
    fw.clear_orders()  # a misread failure would mark every order gone

    def disk_full(self, chunk):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("orders.finerworks.spool.Body.write", disk_full)
    [summary] = pending_orders_sync()

    assert not summary.ok and "could not store" in str(summary)
    call = FinerWorksCall.objects.order_by("-id").first()
    assert call.outcome != "ok" and "No space left on device" in call.error_text
    assert set(PendingOrder.objects.values_list("state", flat=True)) == {"pending"}
