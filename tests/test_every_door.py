"""Every door into fwadmin keeps to the user's scope and fails safe.

Refresh, the admin, drafts, odd query strings, the CSV export, error logging and the
DEBUG page, the login lockout behind a proxy, bidi text, and the missing password reset.
"""

import base64
import csv
import io
import json
import logging
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from fwadmin.client_ip import client_ip
from orders.models import BulkDeletion, FinerWorksAccount, FinerWorksCall, PendingOrder
from orders.views.order_page import decode_cursor, encode_cursor
from orders.views.orders import OrderListView
from tests.factories import add_orders, make_user
from tests.helpers import confirm, forget_verification, mirror, sent_ids, shown_messages

pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)

LIST = reverse("orders:list")
CREATE = reverse("orders:deletion_create")
REFRESH = reverse("orders:refresh")
LOGIN = reverse("login")
LIST_CALL = "list_pending_orders"
ACME_KEY = "11111111-2222-4333-8444-555555555555"  # conftest's delegated_account
ZETA_KEY = "99999999-8888-4777-8666-555555555555"


def html(response) -> str:
    return response.content.decode()


def account_keys_sent(fw) -> list:
    return [(r["body"] or {}).get("account_key") for r in fw.requests_for(LIST_CALL)]


def audited_accounts() -> set:
    return set(FinerWorksCall.objects.values_list("account__name", flat=True))


def zeta_account(fw) -> FinerWorksAccount:
    """A second delegated account, never granted in these tests."""
    return FinerWorksAccount.objects.create(
        name="Zeta Posters",
        account_key=fw.add_account(ZETA_KEY),
        verification=FinerWorksAccount.Verification.VERIFIED,
    )


# ---------------------------------------------------------------------------- 1. refresh


@pytest.fixture
def two_accounts_at_finerworks(fw, owner_account, delegated_account):
    """The owner has 2 pending orders at FinerWorks, the delegated account 7."""
    fw.seed(2, seed=11)
    fw.seed(7, seed=12, account_key=delegated_account.account_key)
    return owner_account, delegated_account


@transactional
def test_a_refresh_by_a_viewer_without_grants_lists_and_audits_only_the_owner_account(
    client, fw, viewer, two_accounts_at_finerworks
):
    owner, delegated = two_accounts_at_finerworks
    client.force_login(viewer)

    response = client.post(REFRESH, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert account_keys_sent(fw) == [None]
    assert all(ACME_KEY not in r["raw_body"] for r in fw.requests)
    assert audited_accounts() == {owner.name}
    assert not PendingOrder.objects.filter(account=delegated).exists()
    assert PendingOrder.objects.filter(account=owner).count() == 2
    shown = " ".join(shown_messages(response))
    assert f"{owner.name}: 2 new" in shown
    assert delegated.name not in shown and "7 new" not in shown
    offered = {label for _, label, _ in response.context["form"].choice_options["account"]}
    assert delegated.name not in offered


@transactional
def test_a_refresh_by_a_viewer_granted_the_delegated_account_syncs_both(
    client, fw, viewer, grant, two_accounts_at_finerworks
):
    owner, delegated = two_accounts_at_finerworks
    grant(viewer, delegated)
    client.force_login(viewer)

    response = client.post(REFRESH, follow=True)

    assert sorted(account_keys_sent(fw), key=str) == sorted([None, ACME_KEY], key=str)
    assert audited_accounts() == {owner.name, delegated.name}
    assert PendingOrder.objects.filter(account=delegated).count() == 7
    shown = " ".join(shown_messages(response))
    assert f"{owner.name}: 2 new" in shown and f"{delegated.name}: 7 new" in shown


@transactional
def test_the_operator_sync_command_still_syncs_every_account(fw, two_accounts_at_finerworks):
    owner, delegated = two_accounts_at_finerworks
    out = io.StringIO()

    call_command("sync_pending_orders", stdout=out)

    assert sorted(account_keys_sent(fw), key=str) == sorted([None, ACME_KEY], key=str)
    assert audited_accounts() == {owner.name, delegated.name}
    assert PendingOrder.objects.filter(account=owner).count() == 2
    assert PendingOrder.objects.filter(account=delegated).count() == 7
    assert f"{delegated.name}: 7 new" in out.getvalue()


# ---------------------------------------------------------------------------- 2. admin scope


@pytest.fixture
def auditor(db, grant, owner_account, delegated_account, fw):
    """Staff who may view orders, calls and accounts, granted Acme (not Zeta)."""
    user = make_user(
        "auditor",
        "orders.view_pendingorder",
        "orders.view_finerworkscall",
        "orders.view_finerworksaccount",
    )
    grant(user, delegated_account)
    return user


@pytest.fixture
def three_accounts(fw, owner_account, delegated_account):
    """An order and an audit row in each of the owner, Acme (granted) and Zeta (not)."""
    zeta = zeta_account(fw)
    for start, account in ((1, owner_account), (100, delegated_account), (200, zeta)):
        add_orders(account, 1, start=start)
        FinerWorksCall.objects.create(endpoint=LIST_CALL, outcome="ok", account=account)
    return owner_account, delegated_account, zeta


def account_filter_names(response) -> set[str]:
    [spec] = [s for s in response.context["cl"].filter_specs if s.field_path == "account"]
    return {name for _, name in spec.lookup_choices}


@pytest.mark.parametrize("model", ["pendingorder", "finerworkscall"])
def test_the_admin_account_filters_list_only_the_owner_and_granted_accounts(
    client, auditor, three_accounts, model
):
    owner, acme, zeta = three_accounts
    client.force_login(auditor)

    response = client.get(reverse(f"admin:orders_{model}_changelist"))

    assert response.status_code == HTTPStatus.OK
    assert account_filter_names(response) == {owner.name, acme.name}
    assert zeta.name not in html(response)
    assert ZETA_KEY not in html(response)


def test_the_admin_account_pages_show_a_viewer_no_key_and_no_ungranted_account(
    client, auditor, three_accounts
):
    owner, acme, zeta = three_accounts
    client.force_login(auditor)

    listing = client.get(reverse("admin:orders_finerworksaccount_changelist"))
    change = client.get(reverse("admin:orders_finerworksaccount_change", args=[acme.pk]))
    hidden = client.get(
        reverse("admin:orders_finerworksaccount_change", args=[zeta.pk]), follow=True
    )

    assert listing.status_code == change.status_code == HTTPStatus.OK
    assert owner.name in html(listing) and acme.name in html(listing)
    assert acme.name in html(change)
    for page in (listing, change, hidden):
        assert ACME_KEY not in html(page) and ZETA_KEY not in html(page)
        assert zeta.name not in html(page)


def action_names(response) -> set[str]:
    """The changelist's action choices (Django shows no action form when none is allowed)."""
    form = response.context["action_form"]
    return {name for name, _ in form.fields["action"].choices} if form else set()


@transactional
def test_the_verify_action_is_not_offered_to_a_viewer_and_posting_it_does_nothing(
    client, fw, auditor, three_accounts
):
    _, acme, _ = three_accounts
    forget_verification(acme)
    calls = FinerWorksCall.objects.count()
    client.force_login(auditor)
    url = reverse("admin:orders_finerworksaccount_changelist")

    offered = client.get(url)
    posted = client.post(
        url, {"action": "verify_account_key", ACTION_CHECKBOX_NAME: [acme.pk], "index": 0}
    )

    assert offered.status_code == HTTPStatus.OK
    assert "verify_account_key" not in html(offered)
    assert "verify_account_key" not in action_names(offered)
    assert posted.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    assert fw.requests == []
    assert FinerWorksCall.objects.count() == calls
    acme.refresh_from_db()
    assert acme.verification == FinerWorksAccount.Verification.UNVERIFIED
    assert acme.verified_at is None


@transactional
def test_a_superuser_sees_the_keys_and_can_verify_an_account(
    client, fw, admin_user, three_accounts
):
    _, acme, _ = three_accounts
    fw.seed(2, seed=21, account_key=acme.account_key)
    forget_verification(acme)
    client.force_login(admin_user)
    url = reverse("admin:orders_finerworksaccount_changelist")

    offered = client.get(url)
    client.post(url, {"action": "verify_account_key", ACTION_CHECKBOX_NAME: [acme.pk], "index": 0})

    assert ACME_KEY in html(offered) and ZETA_KEY in html(offered)
    assert "verify_account_key" in action_names(offered)
    assert account_keys_sent(fw) == [None, ACME_KEY, None]  # owner, key, owner again
    acme.refresh_from_db()
    assert acme.verification == FinerWorksAccount.Verification.VERIFIED
    assert FinerWorksCall.objects.filter(purpose="account_check", account=acme).count() == 3


# ---------------------------------------------------------------------------- 3. drafts


@pytest.fixture
def three_mirrored(fw, owner_account):
    return mirror(fw, 3, seed=31)


def draft(client, orders, **filters) -> BulkDeletion:
    response = client.post(CREATE, {"orders": [o.pk for o in orders], **filters})
    assert response.status_code == HTTPStatus.FOUND
    deletion = BulkDeletion.objects.order_by("-pk").first()
    assert response.url == reverse("orders:deletion_confirm", args=[deletion.pk])
    return deletion


def confirm_url(deletion) -> str:
    return reverse("orders:deletion_confirm", args=[deletion.pk])


def item_outcomes(deletion) -> set[str]:
    return set(deletion.items.values_list("outcome", flat=True))


@transactional
def test_no_take_me_back_discards_the_draft_and_returns_to_the_filtered_list(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored, source="web", q="PO", page_size="50")

    response = client.post(reverse("orders:deletion_discard", args=[deletion.pk]))

    assert response.status_code == HTTPStatus.FOUND
    back = urlsplit(response.url)
    assert back.path == LIST
    assert parse_qs(back.query) == {"q": ["PO"], "source": ["web"], "page_size": ["50"]}
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert item_outcomes(deletion) == {"not_sent"}
    assert fw.requests == []
    assert "Nothing was deleted" in " ".join(shown_messages(client.get(response.url)))
    again = confirm(client, confirm_url(deletion))
    assert fw.requests == [] and "Yes, delete" not in html(again)


def age(deletion, settings) -> None:
    old = timezone.now() - timedelta(minutes=settings.FWADMIN_DRAFT_EXPIRES_MINUTES + 1)
    BulkDeletion.objects.filter(pk=deletion.pk).update(created_at=old)


@transactional
def test_an_expired_draft_cannot_be_confirmed_and_nothing_is_sent(
    client, fw, deleter, three_mirrored, settings
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    age(deletion, settings)

    response = confirm(client, confirm_url(deletion))

    assert response.status_code == HTTPStatus.OK
    assert sent_ids(fw) == [] and fw.requests == []
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert deletion.error_message.startswith("Expired")
    assert item_outcomes(deletion) == {"not_sent"}
    assert any("expired" in m.lower() for m in shown_messages(response))
    assert PendingOrder.objects.filter(state="pending", claimed_by__isnull=True).count() == 3


@transactional
def test_opening_an_expired_draft_redirects_with_the_expiry_message(
    client, fw, deleter, three_mirrored, settings
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    age(deletion, settings)

    response = client.get(confirm_url(deletion))

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("orders:deletion_detail", args=[deletion.pk])
    shown = " ".join(shown_messages(client.get(response.url)))
    assert "Expired" in shown and "Nothing was sent" in shown
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.CANCELLED
    assert fw.requests == []


@transactional
def test_someone_elses_draft_answers_404_and_offers_them_no_yes_button(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    other = make_user("other", "orders.view_pendingorder", "orders.delete_at_finerworks")
    client.force_login(other)

    assert client.get(confirm_url(deletion)).status_code == HTTPStatus.NOT_FOUND
    assert confirm(client, confirm_url(deletion)).status_code == HTTPStatus.NOT_FOUND
    discard = client.post(reverse("orders:deletion_discard", args=[deletion.pk]))
    assert discard.status_code == HTTPStatus.NOT_FOUND
    for url in (
        LIST,
        reverse("orders:deletion_list"),
        reverse("orders:deletion_detail", args=[deletion.pk]),
        reverse("orders:detail", args=[three_mirrored[0].pk]),
    ):
        page = client.get(url)
        assert page.status_code in (HTTPStatus.OK, HTTPStatus.NOT_FOUND), url
        assert "Yes, delete" not in html(page), url
        assert confirm_url(deletion) not in html(page), url
    deletion.refresh_from_db()
    assert deletion.state == BulkDeletion.State.AWAITING
    assert fw.requests == []


def assert_recounted(client, fw, deletion, still: list) -> None:
    page = client.get(confirm_url(deletion))
    assert page.status_code == HTTPStatus.OK
    text = html(page)
    assert "Delete 2 orders at FinerWorks?" in text and "Delete 3 orders" not in text
    assert "1 of the 3 selected orders is no longer pending" in text
    assert "Yes, delete 2 orders at FinerWorks" in text
    fw.reset_requests()

    confirm(client, confirm_url(deletion))

    assert sorted(sent_ids(fw)) == sorted(o.fulfillment_id for o in still)
    assert set(
        PendingOrder.objects.filter(state="deleted", deleted_by_deletion=deletion).values_list(
            "pk", flat=True
        )
    ) == {o.pk for o in still}


@transactional
def test_a_draft_whose_order_another_deletion_removed_is_recounted_and_sends_the_rest(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    first = draft(client, three_mirrored)
    meanwhile = draft(client, three_mirrored[:1])
    confirm(client, confirm_url(meanwhile))
    assert PendingOrder.objects.get(pk=three_mirrored[0].pk).state == "deleted"

    assert_recounted(client, fw, first, three_mirrored[1:])


@transactional
def test_a_draft_whose_order_went_gone_is_recounted_and_sends_the_rest(
    client, fw, deleter, three_mirrored
):
    client.force_login(deleter)
    deletion = draft(client, three_mirrored)
    PendingOrder.objects.filter(pk=three_mirrored[0].pk).update(state="gone")

    assert_recounted(client, fw, deletion, three_mirrored[1:])
    item = deletion.items.get(order=three_mirrored[0])
    assert item.outcome == "not_sent"


# ---------------------------------------------------------------------------- 4. bad input

BAD_IDS = ["abc", "-1", "1.5", "%00", "9223372036854775808", "", "0", "1e3", "%EF%BF%BD"]


@pytest.mark.parametrize("name", ["orders:call_list", "orders:call_csv"])
@pytest.mark.parametrize("value", BAD_IDS)
def test_a_bad_deletion_filter_on_the_audit_answers_below_500(
    client, viewer, owner_account, name, value
):
    FinerWorksCall.objects.create(endpoint=LIST_CALL, outcome="ok", account=owner_account)
    client.force_login(viewer)
    response = client.get(f"{reverse(name)}?deletion={value}")
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


def next_cursor(client) -> tuple[str, dict]:
    """The `after` cursor of the list's Next link, decoded, and the rest of its query."""
    response = client.get(LIST, {"page_size": 25})
    query = parse_qs(response.context["page"].next_query)
    [after] = query.pop("after")
    return after, {k: v[0] for k, v in query.items()}


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_the_next_link_holds_a_cursor_of_the_sort_values(client, viewer, owner_account):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    after, _ = next_cursor(client)
    ordering = ["-first_seen_at", "-fulfillment_id", "-id"]
    assert decode_cursor(after, ordering) is not None
    assert encode_cursor(json.loads(base64.urlsafe_b64decode(after + "=="))) == after


HUGE = [2**64, -(2**64), 2**63, float("inf"), float("-inf"), float("nan"), 1e308]


@pytest.mark.parametrize("slot", [1, 2])
@pytest.mark.parametrize("value", HUGE, ids=repr)
def test_a_list_cursor_holding_a_huge_number_answers_below_500(
    client, viewer, owner_account, slot, value
):
    add_orders(owner_account, 30)
    client.force_login(viewer)
    after, rest = next_cursor(client)
    values = json.loads(base64.urlsafe_b64decode(after + "=="))
    values[slot] = value
    for key in ("after", "before"):
        response = client.get(LIST, {**rest, key: cursor(values)})
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST), key


@pytest.mark.parametrize(
    "sort, values",
    [
        pytest.param("fulfillment_id", [2**64, 1], id="id-beyond-64-bits"),
        pytest.param("fulfillment_id", [1, 2**64], id="pk-beyond-64-bits"),
        pytest.param("order_po", ["PO-\x00", 1, 1], id="nul-in-po"),
        pytest.param("account", ["\x00", 1, 1], id="nul-in-account-name"),
        pytest.param("-first_seen", ["9999-12-31T23:59:59-23:59", 1, 1], id="time-past-9999-utc"),
        pytest.param("-first_seen", ["0001-01-01T00:00:00+23:59", 1, 1], id="time-before-1-utc"),
        pytest.param("-first_seen", [1e308, 1, 1], id="number-as-time"),
        pytest.param("test_mode", ["maybe", 1, 1], id="word-as-boolean"),
        pytest.param("recipient", [{"a": 1}, [1], None], id="objects-as-values"),
    ],
)
def test_a_forged_cursor_for_any_sort_answers_below_500(
    client, viewer, owner_account, sort, values
):
    add_orders(owner_account, 3)
    client.force_login(viewer)
    response = client.get(LIST, {"sort": sort, "after": cursor(values)})
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


@pytest.mark.parametrize("sort", ["fulfillment_id", "-fulfillment_id", "order_po", "-first_seen"])
def test_a_previous_link_whose_earlier_rows_have_all_gone_answers_below_500(
    client, viewer, owner_account, sort
):
    """A stale Previous link: the orders of pages 1 and 2 were submitted since page 3 was
    shown, so nothing comes before its first row any more."""
    add_orders(owner_account, 60)
    client.force_login(viewer)
    page = client.get(LIST, {"sort": sort}).context["page"]
    shown = [row["id"] for row in page.object_list]
    for _ in range(2):
        page = client.get(f"{LIST}?{page.next_query}").context["page"]
        shown += [row["id"] for row in page.object_list]
    previous = page.previous_query
    assert page.number == 3 and "before=" in previous
    PendingOrder.objects.filter(pk__in=shown[:50]).update(state="gone")

    response = client.get(f"{LIST}?{previous}")

    assert response.status_code == HTTPStatus.OK


# ---------------------------------------------------------------------------- 5. CSV export

FORMULAS = {
    "status_message": '=HYPERLINK("http://x")',
    "reference_id": "@SUM(1)",
}
FORMULA_ERRORS = ["+1", "-1", "\t", "\r", "=1+1", "@x"]


def exported(client) -> dict[str, dict]:
    response = client.get(reverse("orders:call_csv"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    rows = csv.DictReader(io.StringIO(response.content.decode(), newline=""))
    return {row["id"]: row for row in rows}


def test_the_csv_export_defuses_every_cell_a_spreadsheet_would_run(client, viewer, owner_account):
    risky = [
        FinerWorksCall.objects.create(
            endpoint=LIST_CALL, outcome="ok", account=owner_account, error_text=text, **FORMULAS
        )
        for text in FORMULA_ERRORS
    ]
    client.force_login(viewer)

    rows = exported(client)

    for call, text in zip(risky, FORMULA_ERRORS, strict=True):
        row = rows[str(call.pk)]
        assert row["error_text"] == "'" + text
        assert row["status_message"] == "'" + FORMULAS["status_message"]
        assert row["reference_id"] == "'" + FORMULAS["reference_id"]


def test_the_csv_export_leaves_ordinary_values_unchanged(client, viewer, owner_account):
    call = FinerWorksCall.objects.create(
        endpoint=LIST_CALL,
        outcome="ok",
        account=owner_account,
        http_status=200,
        status_code=-1,
        status_message="All fine (see #12)",
        reference_id="REF-1",
        error_text="",
        duration_ms=12,
        request_payload={"ids": [1, 2]},
    )
    client.force_login(viewer)

    row = exported(client)[str(call.pk)]

    assert row["status_message"] == "All fine (see #12)"
    assert row["reference_id"] == "REF-1"
    assert row["error_text"] == ""
    assert row["http_status"] == "200" and row["duration_ms"] == "12"
    assert row["status_code"] == "-1"  # a number stays a number
    assert row["account__name"] == owner_account.name
    assert json.loads(row["request_payload"]) == {"ids": [1, 2]}


# ---------------------------------------------------------------------------- 6. logging


class Boom(RuntimeError):
    pass


def explode(*args, **kwargs):
    raise Boom("the list broke")


@pytest.fixture
def broken_list(monkeypatch):
    monkeypatch.setattr(OrderListView, "get_context_data", explode)


@pytest.fixture
def request_log(caplog):
    """django.request does not propagate to the root logger, where caplog listens."""
    logger = logging.getLogger("django.request")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


def test_a_crashing_view_logs_one_error_with_its_traceback(
    viewer, broken_list, request_log, settings
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(viewer)

    response = client.get(LIST)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "the list broke" not in html(response)
    errors = [
        r for r in request_log.records if r.name == "django.request" and r.levelno == logging.ERROR
    ]
    assert len(errors) == 1
    [record] = errors
    assert record.exc_info and record.exc_info[0] is Boom
    assert "Traceback" in request_log.text and "the list broke" in request_log.text


def test_the_request_logger_writes_to_a_console_stream(settings):
    config = settings.LOGGING
    handlers = config["loggers"]["django.request"]["handlers"]
    assert any(config["handlers"][name]["class"] == "logging.StreamHandler" for name in handlers)
    assert config["loggers"]["django.request"].get("level", "ERROR") in ("ERROR", "WARNING")
    logger = logging.getLogger("django.request")
    assert any(type(h) is logging.StreamHandler for h in logger.handlers)


# ---------------------------------------------------------------------------- 7. DEBUG page

DB_URL = "postgres://u:s3cretpass@db/x"


@pytest.mark.parametrize("accept", ["text/html", "text/plain"])
def test_the_debug_500_page_masks_a_database_password_in_the_request_environ(
    viewer, broken_list, settings, accept
):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(viewer)

    response = client.get(LIST, DATABASE_URL=DB_URL, HTTP_ACCEPT=accept)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    text = html(response)
    assert "Boom" in text and "DATABASE_URL" in text  # the technical page, with META
    assert "s3cretpass" not in text
    assert "postgres://u:" in text  # masked, not dropped


# ---------------------------------------------------------------------------- 8. lockout

PROXY = "10.0.0.1"


def log_in(client, password, *, remote, forwarded=None, username="boss"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failed_logins_via_a_trusted_proxy_lock_out_only_that_client(admin_user, settings):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, "wrong", remote=PROXY, forwarded="203.0.113.5")

    locked = log_in(attacker, "pw", remote=PROXY, forwarded="203.0.113.5")
    colleague = Client()
    allowed = log_in(colleague, "pw", remote=PROXY, forwarded="198.51.100.7")

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS and not logged_in(attacker)
    assert allowed.status_code == HTTPStatus.FOUND and logged_in(colleague)


def test_a_client_behind_two_trusted_proxies_is_keyed_on_its_own_address(admin_user, settings):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY, "10.0.0.2"]
    attacker = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        # Whatever the client writes on the left is ignored; the proxies' entries are right.
        log_in(attacker, "wrong", remote=PROXY, forwarded=f"1.2.3.{i}, 203.0.113.5, 10.0.0.2")

    locked = log_in(attacker, "pw", remote=PROXY, forwarded="9.9.9.9, 203.0.113.5, 10.0.0.2")
    allowed = log_in(Client(), "pw", remote=PROXY, forwarded="198.51.100.7, 10.0.0.2")

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert allowed.status_code == HTTPStatus.FOUND


def test_a_forged_forwarded_for_from_an_untrusted_address_is_ignored(admin_user, settings):
    from axes.models import AccessAttempt

    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    attacker = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, "wrong", remote="192.0.2.50", forwarded=f"203.0.113.{i}")

    locked = log_in(attacker, "pw", remote="192.0.2.50", forwarded="198.51.100.7")
    elsewhere = Client()
    allowed = log_in(elsewhere, "pw", remote="192.0.2.60", forwarded="203.0.113.0")

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS and not logged_in(attacker)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}
    assert allowed.status_code == HTTPStatus.FOUND and logged_in(elsewhere)


def test_without_trusted_proxies_the_proxy_address_is_the_key(admin_user, settings):
    settings.FWADMIN_TRUSTED_PROXIES = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "wrong", remote=PROXY, forwarded="203.0.113.5")
    locked = log_in(Client(), "pw", remote=PROXY, forwarded="198.51.100.7")
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.parametrize(
    "remote, forwarded, trusted, expected",
    [
        ("192.0.2.1", None, [], "192.0.2.1"),
        ("192.0.2.1", "203.0.113.5", [], "192.0.2.1"),
        ("192.0.2.1", "203.0.113.5", [PROXY], "192.0.2.1"),
        (PROXY, "203.0.113.5", [PROXY], "203.0.113.5"),
        (PROXY, " 203.0.113.5 ", [PROXY], "203.0.113.5"),
        (PROXY, "6.6.6.6, 203.0.113.5", [PROXY], "203.0.113.5"),
        (PROXY, "6.6.6.6, 203.0.113.5, 10.0.0.2", [PROXY, "10.0.0.2"], "203.0.113.5"),
        (PROXY, "203.0.113.5,,", [PROXY], "203.0.113.5"),
        (PROXY, "10.0.0.2", [PROXY, "10.0.0.2"], PROXY),
        (PROXY, "", [PROXY], PROXY),
        (PROXY, None, [PROXY], PROXY),
        (PROXY, " , ", [PROXY], PROXY),
        ("", None, [], ""),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies_read_from_the_right(
    settings, remote, forwarded, trusted, expected
):
    settings.FWADMIN_TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_ip(request) == expected


def test_client_ip_without_a_remote_address_is_empty(settings):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) == ""


def test_axes_asks_fwadmin_for_the_client_address(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "fwadmin.client_ip.client_ip"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


# ---------------------------------------------------------------------------- 9. bidi

SPOOF = "RTL\u202egnp.exe"
SHOWN = "<bdi>RTL[U+202E]gnp.exe</bdi>"


@pytest.fixture
def spoofed(owner_account):
    add_orders(owner_account, 1, order_po=SPOOF)
    return PendingOrder.objects.get()


def assert_defused(response) -> None:
    assert response.status_code == HTTPStatus.OK
    text = html(response)
    assert SHOWN in text
    assert "\u202e" not in text


def test_a_bidi_override_in_a_po_is_shown_visibly_on_the_list(client, deleter, spoofed):
    client.force_login(deleter)
    assert_defused(client.get(LIST))


def test_a_bidi_override_in_a_po_is_shown_visibly_on_the_order_page(client, deleter, spoofed):
    client.force_login(deleter)
    assert_defused(client.get(reverse("orders:detail", args=[spoofed.pk])))


def test_a_bidi_override_in_a_po_is_shown_visibly_on_the_confirmation_page(
    client, deleter, spoofed
):
    client.force_login(deleter)
    response = client.post(CREATE, {"orders": [spoofed.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == confirm_url(BulkDeletion.objects.get())
    assert_defused(response)


def test_a_bidi_override_in_a_po_is_shown_visibly_in_the_admin_changelist(client, deleter, spoofed):
    client.force_login(deleter)
    assert_defused(client.get(reverse("admin:orders_pendingorder_changelist")))


# ---------------------------------------------------------------------------- 10. no reset


def test_password_reset_is_not_reachable(client, db):
    for url in ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/"):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND, url
    assert client.post("/accounts/password_reset/", {"email": "boss@example.com"}).status_code in (
        HTTPStatus.NOT_FOUND,
        HTTPStatus.FORBIDDEN,  # CSRF may answer first; either way nothing is sent
    )


@pytest.mark.parametrize("url", [LOGIN, "/admin/login/"])
def test_the_login_pages_offer_no_forgotten_password_link(client, db, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    text = html(response).lower()
    assert "forgot" not in text and "password_reset" not in text


def test_a_large_draft_shows_every_frozen_order_page_by_page(client, deleter, owner_account):
    """What is shown is what is sent: the confirmation pages through all 600, not 500."""
    add_orders(owner_account, 600)
    client.force_login(deleter)
    created = client.post(reverse("orders:deletion_create"), {"select_all": "on", "state": ""})
    first = client.get(created.url)
    assert first.content.decode().count('<th scope="row">') == 500
    assert "Page 1 of 2" in first.content.decode()
    next_query = first.context["page"].next_query

    second = client.get(f"{created.url}?{next_query}")

    shown = second.content.decode()
    assert shown.count('<th scope="row">') == 100 and "Page 2 of 2" in shown
    assert ">600<" in shown  # the last frozen id


def test_the_deletion_and_audit_pages_link_to_their_next_page(client, admin_user, owner_account):
    for _ in range(60):
        FinerWorksCall.objects.create(endpoint="list_pending_orders", outcome="ok", attempt=1)
    client.force_login(admin_user)
    page = client.get(reverse("orders:call_list"), {"endpoint": "list_pending_orders"})
    link = page.context["page"].next_query
    assert "page=2" in link and "endpoint=list_pending_orders" in link
    assert client.get(reverse("orders:call_list") + "?" + link).context["page"].number == 2


def test_discarding_a_selection_already_confirmed_elsewhere_says_so(
    client, deleter, fw, owner_account
):
    mirror(fw, 1, seed=90)
    client.force_login(deleter)
    created = client.post(
        reverse("orders:deletion_create"),
        {"orders": list(PendingOrder.objects.values_list("pk", flat=True))},
    )
    deletion = BulkDeletion.objects.get()
    BulkDeletion.objects.filter(pk=deletion.pk).update(state=BulkDeletion.State.QUEUED)

    response = client.post(reverse("orders:deletion_discard", args=[deletion.pk]), follow=True)

    assert created.status_code == HTTPStatus.FOUND
    assert any("was no longer a draft" in m for m in shown_messages(response))
    assert BulkDeletion.objects.get().state == BulkDeletion.State.QUEUED


# ---------------------------------------------------------------------------- review fixes


def test_an_account_key_cannot_be_guessed_through_admin_filters(client, auditor, three_accounts):
    client.force_login(auditor)
    url = reverse("admin:orders_finerworksaccount_changelist")

    response = client.get(url, {"account_key__startswith": ACME_KEY[:4]})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Acme" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_refuses_when_the_selection_changed_since_it_was_shown(
    client, deleter, fw, owner_account
):
    """Shown "delete 1" (two orders held by another deletion), those two freed meanwhile:
    the yes must not send three."""
    orders = mirror(fw, 3, seed=91)
    client.force_login(deleter)
    created = client.post(reverse("orders:deletion_create"), {"orders": [o.pk for o in orders]})
    other = BulkDeletion.objects.create(created_by=deleter, created_by_username="deleter")
    PendingOrder.objects.filter(pk__in=[o.pk for o in orders[1:]]).update(claimed_by=other)
    page = client.get(created.url)
    assert "Yes, delete 1 order at FinerWorks" in page.content.decode()
    assert page.content.decode().count("will not be sent</span>") == 2
    PendingOrder.objects.update(claimed_by=None)

    refused = client.post(created.url, {"confirm": "yes", "shown_count": "1"})

    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "The selection changed since the page was shown" in refused.content.decode()
    assert sent_ids(fw) == []


def test_a_draft_confirmed_at_its_expiry_is_not_reported_expired(deleter, owner_account):
    from orders.services import bulk_deletion_draft_expire

    add_orders(owner_account, 1)
    deletion = BulkDeletion.objects.create(
        created_by=deleter,
        created_by_username="deleter",
        created_at=timezone.now() - timedelta(hours=2),
    )
    # Read as a draft by this request; meanwhile the other submit confirmed it.
    BulkDeletion.objects.filter(pk=deletion.pk).update(state=BulkDeletion.State.QUEUED)

    assert deletion.state == BulkDeletion.State.AWAITING
    assert bulk_deletion_draft_expire(deletion) is False
    assert BulkDeletion.objects.get(pk=deletion.pk).state == BulkDeletion.State.QUEUED


def test_a_select_all_naming_an_ungranted_account_in_any_filter_form_is_refused(
    client, deleter, fw, owner_account, delegated_account
):
    add_orders(owner_account, 2)
    client.force_login(deleter)
    url = reverse("admin:orders_pendingorder_changelist")
    data = {"action": "delete_at_finerworks", "select_across": "1", "index": 0}
    data[ACTION_CHECKBOX_NAME] = list(PendingOrder.objects.values_list("pk", flat=True))

    client.post(f"{url}?account__id__in={owner_account.pk},{delegated_account.pk}", data)

    assert BulkDeletion.objects.count() == 0
    [refusal] = FinerWorksCall.objects.filter(outcome="refused")
    assert refusal.account == delegated_account


@pytest.mark.parametrize("forwarded", ["unknown", "203.0.113.5:4711", "not-an-ip"])
def test_an_unusable_forwarded_address_falls_back_to_the_proxy_address(settings, forwarded):
    settings.FWADMIN_TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == PROXY


def test_a_url_password_with_an_at_sign_is_masked_whole(settings):
    from fwadmin.debug import SecretRedactingFilter

    masked = SecretRedactingFilter().cleanse_setting("X", "postgres://u:p@ss@db.example/x")
    assert "p@ss" not in masked and "ss@db" not in masked and masked.endswith("@db.example/x")


def test_a_draft_of_an_account_no_longer_granted_is_not_shown(
    client, deleter, owner_account, delegated_account, grant
):
    granted = grant(deleter, delegated_account)
    add_orders(delegated_account, 2, start=500, order_po="SECRET-PO")
    client.force_login(deleter)
    ticked = list(PendingOrder.objects.values_list("pk", flat=True))
    created = client.post(reverse("orders:deletion_create"), {"orders": ticked})
    granted.delete()

    page = client.get(created.url)

    assert page.status_code == HTTPStatus.FORBIDDEN
    assert "SECRET-PO" not in page.content.decode()
