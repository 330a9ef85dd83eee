"""Every FinerWorks fault, end to end through the dashboard, the admin action and sync.

For each: no 500 page, a plain message, one audit row per attempt, and a truthful mirror
(an order is `deleted` only when FinerWorks no longer lists it). docs/faults.md is the
table staff read; this file is what keeps it true.
"""

from dataclasses import dataclass
from http import HTTPStatus

import pytest
import requests
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import BulkDeletion, BulkDeletionItem, FinerWorksCall, PendingOrder
from orders.services import pending_orders_sync

# Not transaction=True: each confirmation's on-commit hooks (the queued deletion) run
# where the real commit would, through `confirm` below, so every test is rolled back fast.
pytestmark = pytest.mark.django_db
Outcome = BulkDeletionItem.Outcome
DELETE = "delete_pending_orders"
LIST = "list_pending_orders"


@dataclass(frozen=True)
class Fault:
    name: str
    sandbox_mode: str | None  # a sandbox fault on the delete call, or a special set-up
    item_outcome: str  # what becomes of the two selected orders
    delete_attempts: int  # audit rows (and requests) for delete_pending_orders
    message: str  # a fragment of what staff are told
    deleted_at_finerworks: bool


MATRIX = [
    Fault("connection refused", "refused", Outcome.NOT_SENT, 0, "Could not connect", False),
    Fault("connect timeout", "connect_timeout", Outcome.NOT_SENT, 0, "Could not connect", False),
    Fault("read timeout", "read_timeout", Outcome.STILL_PENDING, 1, "No answer", False),
    Fault("dropped connection", "drop", Outcome.STILL_PENDING, 1, "No answer", False),
    Fault("500", "500", Outcome.STILL_PENDING, 1, "HTTP 500", False),
    Fault("502 HTML", "502_html", Outcome.STILL_PENDING, 1, "an HTML error page", False),
    # A 429/503 may come after FinerWorks processed a delete: verified, never resent.
    Fault("429 Retry-After", "429", Outcome.STILL_PENDING, 1, "rate limiting", False),
    Fault("503 Retry-After", "503_retry", Outcome.STILL_PENDING, 1, "rate limiting", False),
    Fault("deleted, answered 429", "deleted_but_429", Outcome.DELETED, 1, "deleted at", True),
    Fault("deleted, answered 503", "deleted_but_503", Outcome.DELETED, 1, "deleted at", True),
    Fault("bad credentials", "bad_keys", Outcome.NOT_SENT, 0, "FINERWORKS_APP_KEY", False),
    Fault("success false", "success_false", Outcome.REJECTED, 1, "did not accept", False),
    Fault("malformed JSON", "malformed_json", Outcome.STILL_PENDING, 1, "unreadable", False),
    Fault("deleted, answered 500", "deleted_but_500", Outcome.DELETED, 1, "deleted at", True),
    Fault("still listed after success", "sticky", Outcome.STILL_PENDING, 1, "still pending", False),
]


def arrange(fault: Fault, fw, settings, monkeypatch):
    """Switch the fault on for the coming deletion (after the pre-flight list for some)."""
    if fault.sandbox_mode == "refused":
        settings.FINERWORKS_BASE_URL = "http://127.0.0.1:9"
    elif fault.sandbox_mode == "connect_timeout":

        def timeout(*args, **kwargs):
            raise requests.exceptions.ConnectTimeout("connect timed out")

        monkeypatch.setattr(requests.Session, "send", timeout)
    elif fault.sandbox_mode == "bad_keys":
        settings.FINERWORKS_APP_KEY = "not-the-right-app-key"
    elif fault.sandbox_mode == "read_timeout":
        settings.FINERWORKS_TIMEOUT = 0.2  # the sandbox answers after 2 s: no need to wait 1 s
        fw.add_fault(DELETE, fault.sandbox_mode)
    else:
        fw.add_fault(DELETE, fault.sandbox_mode)


@pytest.fixture
def two_orders(fw, owner_account):
    fw.seed(4, seed=17)
    pending_orders_sync()
    return list(PendingOrder.objects.order_by("fulfillment_id")[:2])


def messages_text(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def confirm(client, django_capture_on_commit_callbacks):
    """Say yes on a confirmation page; the queued deletion runs as the commit would run it."""

    def say_yes(url):
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url, {"confirm": "yes"})
        assert answer.status_code == HTTPStatus.FOUND
        return client.get(answer.url)

    return say_yes


def admin_delete(client, orders, confirm):
    """Through the admin door: the action freezes a draft and redirects to the dashboard's
    confirmation page; its "yes" sends the frozen orders."""
    calls = FinerWorksCall.objects.count()
    page = client.post(
        reverse("admin:orders_pendingorder_changelist"),
        {
            "action": "delete_at_finerworks",
            "_selected_action": [o.pk for o in orders],
            "index": 0,
        },
        follow=True,
    )
    [(confirm_url, status)] = page.redirect_chain
    assert status == HTTPStatus.FOUND
    assert f"Yes, delete {len(orders)} orders at FinerWorks" in page.content.decode()
    assert FinerWorksCall.objects.count() == calls  # no call to FinerWorks before the yes
    return confirm(confirm_url)


def assert_truthful(fault, fw, orders, response):
    assert response.status_code == HTTPStatus.OK
    fids = {o.fulfillment_id for o in orders}
    really_gone = fids <= fw.deleted_ids
    assert really_gone == fault.deleted_at_finerworks
    states = set(
        PendingOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("state", flat=True)
    )
    assert states == ({"deleted"} if really_gone else {"pending"})
    outcomes = set(
        BulkDeletionItem.objects.filter(order__in=orders).values_list("outcome", flat=True)
    )
    assert outcomes == {fault.item_outcome}
    delete_calls = FinerWorksCall.objects.filter(endpoint=DELETE)
    assert delete_calls.count() == fault.delete_attempts
    assert all(c.bulk_deletion_id for c in FinerWorksCall.objects.filter(purpose__in=["delete"]))


@pytest.mark.parametrize("fault", MATRIX, ids=[f.name for f in MATRIX])
def test_dashboard_deletion_under_fault(
    client, deleter, fw, two_orders, settings, monkeypatch, confirm, fault
):
    client.force_login(deleter)
    created = client.post(reverse("orders:deletion_create"), {"orders": [o.pk for o in two_orders]})
    arrange(fault, fw, settings, monkeypatch)

    response = confirm(created.url)

    assert_truthful(fault, fw, two_orders, response)
    page = response.content.decode()
    notes = " ".join(BulkDeletionItem.objects.values_list("note", flat=True))
    assert fault.message in messages_text(response) + page + notes


@pytest.mark.parametrize("fault", MATRIX, ids=[f.name for f in MATRIX])
def test_admin_action_under_fault(
    client, deleter, fw, two_orders, settings, monkeypatch, confirm, fault
):
    client.force_login(deleter)
    arrange(fault, fw, settings, monkeypatch)  # the action itself calls nothing

    response = admin_delete(client, two_orders, confirm)

    assert_truthful(fault, fw, two_orders, response)
    assert BulkDeletion.objects.get().via == "admin"
    page = response.content.decode()
    notes = " ".join(BulkDeletionItem.objects.values_list("note", flat=True))
    assert fault.message in messages_text(response) + page + notes


SYNC_FAULTS = [
    ("refused", "Could not connect"),
    ("connect_timeout", "Could not connect"),
    ("read_timeout", "No answer"),
    ("drop", "No answer"),
    ("500", "HTTP 500"),
    ("502_html", "HTML error page"),
    ("bad_keys", "FINERWORKS_APP_KEY"),
    ("success_false", "did not accept"),
    ("malformed_json", "unreadable"),
    # A success without a list of orders is not "nothing listed": nothing becomes gone.
    ("orders_missing", "cannot tell"),
    ("orders_null", "cannot tell"),
    ("orders_not_list", "cannot tell"),
    ("deep_nesting", "nests deeper than 64 levels"),
]


@pytest.mark.parametrize("mode, message", SYNC_FAULTS)
def test_refresh_under_fault_changes_nothing_and_says_why(
    client,
    viewer,
    fw,
    two_orders,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
    mode,
    message,
):
    before = list(PendingOrder.objects.values_list("pk", "state", "last_seen_at"))
    fw.clear_orders()  # a misread failure would mark every order gone
    if mode in ("refused", "connect_timeout", "bad_keys"):
        arrange(Fault(mode, mode, "", 0, "", False), fw, settings, monkeypatch)
    else:
        fw.add_fault(LIST, mode)
    if mode == "read_timeout":
        settings.FINERWORKS_TIMEOUT = 0.2
    client.force_login(viewer)
    calls_before = FinerWorksCall.objects.count()

    response = refresh(client, django_capture_on_commit_callbacks)

    assert response.status_code == HTTPStatus.OK
    header = " ".join(row["text"] for row in response.context["sync_rows"])
    assert message in header
    assert "nothing changed" in header
    assert "Sync failed" in response.content.decode()
    assert list(PendingOrder.objects.values_list("pk", "state", "last_seen_at")) == before
    new_calls = FinerWorksCall.objects.count() - calls_before
    assert new_calls >= 1
    assert FinerWorksCall.objects.order_by("-id").first().outcome != "ok"


def refresh(client, capture):
    """Press Refresh; the queued sync runs as the commit would run it; back on the list."""
    with capture(execute=True):
        answer = client.post(reverse("orders:refresh"))
    assert answer.status_code == HTTPStatus.FOUND
    return client.get(answer.url)


def test_429_on_sync_is_retried_and_every_attempt_audited(
    client, viewer, fw, two_orders, django_capture_on_commit_callbacks
):
    fw.add_fault(LIST, "429")
    client.force_login(viewer)
    refresh(client, django_capture_on_commit_callbacks)
    last_two = list(FinerWorksCall.objects.order_by("-id")[:2])
    assert [c.outcome for c in reversed(last_two)] == ["rate_limited", "ok"]
