"""The audit table: append-only, visible in the dashboard and admin, exportable, key-free."""

import csv
import io
from http import HTTPStatus

import pytest
from django.urls import reverse

from orders.models import FinerWorksAccount, FinerWorksCall
from orders.services import pending_orders_sync
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_WEB_KEY = "WEBKEY-e2b1f0c4-distinctive"
SECRET_APP_KEY = "APPKEY-9a7d3c11-distinctive"


@pytest.fixture
def secret_fw(fw, settings):
    """The sandbox and Django sharing distinctive keys we can search for afterwards."""
    fw.web_api_key = settings.FINERWORKS_WEB_API_KEY = SECRET_WEB_KEY
    fw.app_key = settings.FINERWORKS_APP_KEY = SECRET_APP_KEY
    return fw


@pytest.fixture
def calls(secret_fw, owner_account, admin_user):
    secret_fw.seed(3, seed=2)
    pending_orders_sync(acting_user=admin_user)
    secret_fw.add_fault("list_pending_orders", "500")
    pending_orders_sync(acting_user=admin_user)
    return list(FinerWorksCall.objects.order_by("id"))


def test_audit_rows_cannot_be_changed_or_deleted(calls):
    call = calls[0]
    call.outcome = "ok-but-edited"
    with pytest.raises(PermissionError):
        call.save()
    with pytest.raises(PermissionError):
        call.delete()
    with pytest.raises(PermissionError):
        FinerWorksCall.objects.filter(pk=call.pk).update(outcome="x")
    with pytest.raises(PermissionError):
        FinerWorksCall.objects.all().delete()
    assert FinerWorksCall.objects.get(pk=call.pk).outcome == "ok"


def test_admin_shows_audit_read_only(client, admin_user, calls):
    client.force_login(admin_user)
    changelist = reverse("admin:orders_finerworkscall_changelist")
    assert client.get(changelist).status_code == HTTPStatus.OK
    assert client.get(reverse("admin:orders_finerworkscall_add")).status_code == 403
    change_url = reverse("admin:orders_finerworkscall_change", args=[calls[0].pk])
    response = client.post(change_url, {"outcome": "edited"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    delete_url = reverse("admin:orders_finerworkscall_delete", args=[calls[0].pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert FinerWorksCall.objects.count() == len(calls)


def test_dashboard_lists_and_filters_calls(client, admin_user, calls):
    client.force_login(admin_user)
    page = client.get(reverse("orders:call_list"), {"outcome": "server_error"})
    rows = list(page.context["page"].object_list)
    assert [c.outcome for c in rows] == ["server_error"]
    detail = client.get(reverse("orders:call_detail", args=[rows[0].pk]))
    assert detail.status_code == HTTPStatus.OK
    assert "500" in detail.content.decode()


def test_the_outcome_filter_offers_every_outcome_and_names_an_unknown_one(
    client, admin_user, calls
):
    client.force_login(admin_user)
    page = client.get(reverse("orders:call_list"), {"outcome": "http_error"})
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert list(page.context["page"].object_list) == []  # never "every call" instead
    assert "outcome:" in html and "cannot be read" in html
    export = client.get(reverse("orders:call_csv"), {"outcome": "http_error"})
    assert export.content.decode().count("\n") == 1  # the header row only
    for code in ("ok", "refused", "outcome_unknown", "listed_after_delete"):
        assert f'<option value="{code}"' in html


def test_csv_export_has_the_filtered_rows_and_no_key(client, admin_user, calls):
    client.force_login(admin_user)
    response = client.get(reverse("orders:call_csv"), {"endpoint": "list_pending_orders"})
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(calls)
    assert {r["outcome"] for r in rows} == {"ok", "server_error"}
    assert SECRET_WEB_KEY not in text and SECRET_APP_KEY not in text
    only_errors = client.get(reverse("orders:call_csv"), {"outcome": "server_error"})
    assert len(list(csv.DictReader(io.StringIO(only_errors.content.decode())))) == 1


def test_keys_never_reach_the_audit_table(calls):
    for call in FinerWorksCall.objects.all():
        dump = " ".join(
            str(v) for v in FinerWorksCall.objects.filter(pk=call.pk).values().first().values()
        )
        assert SECRET_WEB_KEY not in dump and SECRET_APP_KEY not in dump


def test_audit_of_other_accounts_is_hidden(client, calls):
    other = FinerWorksAccount.objects.create(name="Other", account_key="other-key-0001")
    FinerWorksCall.objects.create(endpoint="list_pending_orders", outcome="ok", account=other)
    viewer = make_user("v2", "orders.view_pendingorder")
    client.force_login(viewer)
    page = client.get(reverse("orders:call_list"))
    assert all(c.account_id != other.pk for c in page.context["page"].object_list)
    csv_text = client.get(reverse("orders:call_csv")).content.decode()
    assert "Other" not in csv_text


def test_audit_str_reads_as_a_sentence(calls):
    assert str(calls[0]).startswith("boss called list_pending_orders at ")
