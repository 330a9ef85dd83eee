"""The keys never leak: not into the database, logs, pages, CSV exports or error pages."""

import logging

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from orders.finerworks.sandbox import FAULT_MODES
from orders.models import BulkDeletion, FinerWorksAccount, FinerWorksCall, PendingOrder
from orders.services import pending_orders_sync

pytestmark = pytest.mark.django_db(transaction=True)

WEB_KEY = "WEBKEY-7f3e9c2a-distinctive-0001"
APP_KEY = "APPKEY-1b8d4e6f-distinctive-0002"
SECRET = "SECRETKEY-5a0c77d1-distinctive-0003-long-enough-for-django"
NEEDLES = (WEB_KEY, APP_KEY, SECRET)


@pytest.fixture
def keyed(fw, settings, owner_account):
    fw.web_api_key = settings.FINERWORKS_WEB_API_KEY = WEB_KEY
    fw.app_key = settings.FINERWORKS_APP_KEY = APP_KEY
    settings.SECRET_KEY = SECRET
    fw.seed(40, seed=31)
    return fw


def verify_in_admin(client, fw):
    """The admin's Verify action on a delegated account: a door that still calls
    FinerWorks inside the web request (Refresh queues a background sync)."""
    key = fw.add_account("11111111-2222-4333-8444-555555555555")
    account, _ = FinerWorksAccount.objects.get_or_create(name="Acme", account_key=key)
    return client.post(
        reverse("admin:orders_finerworksaccount_changelist"),
        {"action": "verify_account_key", "_selected_action": [account.pk], "index": 0},
    )


def leaks(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def database_dump() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def staff_pages(order) -> tuple[str, ...]:
    """The pages staff read about an order, the first deletion and the first FinerWorks call."""
    deletion = BulkDeletion.objects.first()
    call = FinerWorksCall.objects.first()
    return (
        reverse("orders:list"),
        reverse("orders:detail", args=[order.pk]),
        reverse("orders:deletion_detail", args=[deletion.pk]),
        reverse("orders:deletion_records", args=[deletion.pk]),
        reverse("orders:deletion_progress", args=[deletion.pk]),
        reverse("orders:call_list"),
        reverse("orders:call_detail", args=[call.pk]),
        reverse("orders:call_csv"),
        reverse("admin:orders_finerworkscall_changelist"),
        reverse("admin:orders_finerworkscall_change", args=[call.pk]),
    )


def test_no_key_anywhere_after_sync_deletes_faults_and_error_pages(
    client, keyed, admin_user, caplog, settings, monkeypatch, capsys
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="orders")
    client.force_login(admin_user)
    pages = []

    pages.append(client.post(reverse("orders:refresh"), follow=True))
    orders = list(PendingOrder.objects.order_by("fulfillment_id"))
    # One dashboard deletion per fault mode, two orders each, plus a clean one.
    for i, mode in enumerate([None, *FAULT_MODES]):
        if mode:
            keyed.add_fault("delete_pending_orders", mode)
        chosen = [o.pk for o in orders[2 * i : 2 * i + 2]]
        created = client.post(reverse("orders:deletion_create"), {"orders": chosen})
        pages.append(client.get(created.url))
        pages.append(client.post(created.url, {"confirm": "yes"}, follow=True))
        keyed.clear_faults()
    for mode in FAULT_MODES:
        keyed.add_fault("list_pending_orders", mode)
        pages.append(client.post(reverse("orders:refresh"), follow=True))
        keyed.clear_faults()
    call_command("finerworks_check")
    for url in staff_pages(orders[0]):
        pages.append(client.get(url))

    # An unexpected crash in the middle of a FinerWorks call, with DEBUG off and on.
    def crash(*args, **kwargs):
        raise RuntimeError("unexpected failure inside the HTTP stack")

    monkeypatch.setattr(requests.Session, "send", crash)
    client.raise_request_exception = False
    pages.append(client.post(reverse("orders:refresh"), follow=True))  # crashes in the task
    for debug in (False, True):
        settings.DEBUG = debug
        page = verify_in_admin(client, keyed)
        assert page.status_code == 500
        pages.append(page)
    settings.DEBUG = False

    assert FinerWorksCall.objects.count() > 40
    for page in pages:
        assert not leaks(page.content.decode(errors="replace")), page.request["PATH_INFO"]
    assert not leaks("\n".join(r.getMessage() + str(r.exc_info) for r in caplog.records))
    assert not leaks(caplog.text)
    out = capsys.readouterr()
    assert not leaks(out.out + out.err)
    assert not leaks(database_dump())


def test_the_debug_error_page_masks_keys_held_in_local_variables(
    client, keyed, admin_user, settings, monkeypatch
):
    pending_orders_sync()  # the keys are now in the process, settings and sessions

    def crash_with_headers(self, request, **kwargs):
        headers = dict(request.headers)  # a local holding the keys, as urllib3 has
        raise RuntimeError(f"boom with {len(headers)} headers")

    monkeypatch.setattr(requests.Session, "send", crash_with_headers)
    client.force_login(admin_user)
    client.raise_request_exception = False
    settings.DEBUG = True
    page = verify_in_admin(client, keyed)
    html = page.content.decode(errors="replace")
    assert page.status_code == 500 and "boom with" in html  # the technical page did render
    assert not leaks(html)
