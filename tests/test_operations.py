"""Operator commands: audit retention (and the database guard behind it), credentials doctor."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from orders.models import BulkDeletion, FinerWorksAccount, FinerWorksCall

pytestmark = pytest.mark.django_db(transaction=True)
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")


def old_call(days, **fields):
    call = FinerWorksCall.objects.create(endpoint="list_pending_orders", outcome="ok", **fields)
    # The ORM refuses updates, so backdate the way a migration would: raw SQL, pre-trigger.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE orders_finerworkscall DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE orders_finerworkscall SET created_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=days), call.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE orders_finerworkscall ENABLE TRIGGER USER")
    return call


def test_prune_deletes_old_rows_keeps_unfinished_deletions_and_records_itself(capsys, deleter):
    running = BulkDeletion.objects.create(
        created_by=deleter, created_by_username="deleter", state=BulkDeletion.State.RUNNING
    )
    done = BulkDeletion.objects.create(
        created_by=deleter, created_by_username="deleter", state=BulkDeletion.State.FINISHED
    )
    stale = [old_call(100) for _ in range(5)]
    in_use = old_call(100, bulk_deletion=running)
    finished = old_call(100, bulk_deletion=done)
    recent = old_call(1)

    cutoff = (timezone.localdate() - timedelta(days=30)).isoformat()
    call_command("prune_finerworks_calls", before=cutoff, batch_size=2)

    remaining = set(FinerWorksCall.objects.values_list("pk", flat=True))
    assert not {c.pk for c in stale} & remaining
    assert finished.pk not in remaining
    assert {in_use.pk, recent.pk} <= remaining
    record = FinerWorksCall.objects.get(endpoint="prune_finerworks_calls")
    assert "Deleted 6" in record.status_message and "kept 1" in record.status_message
    assert "Deleted 6" in capsys.readouterr().out


@pytest.mark.parametrize("before", ["yesterday", "2026-13-01", "2999-01-01"])
def test_prune_refuses_bad_dates_and_deletes_nothing(db, before):
    old_call(100)
    with pytest.raises(CommandError):
        call_command("prune_finerworks_calls", before=before)
    assert FinerWorksCall.objects.count() == 1


@on_postgres
def test_the_database_itself_refuses_to_edit_or_delete_audit_rows():
    call = FinerWorksCall.objects.create(endpoint="list_pending_orders", outcome="ok")
    for sql in (
        "UPDATE orders_finerworkscall SET outcome = 'forged' WHERE id = %s",
        "DELETE FROM orders_finerworkscall WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [call.pk])
    assert FinerWorksCall.objects.get(pk=call.pk).outcome == "ok"


@on_postgres
def test_deleting_a_user_keeps_their_audit_rows_with_the_name(deleter):
    call = FinerWorksCall.objects.create(
        endpoint="list_pending_orders", outcome="ok", acting_user=deleter, acting_username="deleter"
    )
    deleter.delete()
    call = FinerWorksCall.objects.get(pk=call.pk)
    assert call.acting_user is None and call.acting_username == "deleter"


def test_finerworks_check_says_ok_and_lists_accounts(fw, owner_account, capsys):
    FinerWorksAccount.objects.create(name="Acme", account_key="acme-0001")
    call_command("finerworks_check")
    out = capsys.readouterr().out
    assert "Credentials: OK" in out
    assert (
        "Own account (owner, no account_key)" in out and "Acme (delegated): Never verified" in out
    )
    assert FinerWorksCall.objects.get().purpose == "credentials_check"


@pytest.mark.parametrize(
    "change, diagnosis",
    [
        ({"FINERWORKS_APP_KEY": "wrong-app-key-000"}, "Bad keys"),
        ({"FINERWORKS_BASE_URL": "http://127.0.0.1:9"}, "Unreachable"),
        ({"FINERWORKS_WEB_API_KEY": ""}, "Keys not configured"),
    ],
)
def test_finerworks_check_diagnoses_what_is_wrong(
    fw, owner_account, settings, capsys, change, diagnosis
):
    for name, value in change.items():
        setattr(settings, name, value)
    with pytest.raises(CommandError):
        call_command("finerworks_check")
    assert diagnosis in capsys.readouterr().out


def test_finerworks_check_spots_a_wrong_base_url(fw, owner_account, settings, capsys):
    settings.FINERWORKS_BASE_URL = fw.base_url + "/not-the-api"
    with pytest.raises(CommandError):
        call_command("finerworks_check")
    assert "Wrong base URL?" in capsys.readouterr().out


def test_finerworks_check_verify_checks_delegated_keys(fw, owner_account, capsys):
    key = fw.add_account("33333333-4444-4555-8666-777777777777")
    fw.seed(1, seed=1)
    fw.seed(2, seed=2, account_key=key)
    FinerWorksAccount.objects.create(name="Acme", account_key=key)
    call_command("finerworks_check", verify=True)
    assert "Acme (delegated): Verified" in capsys.readouterr().out
    assert FinerWorksAccount.objects.get(name="Acme").verification == "verified"
