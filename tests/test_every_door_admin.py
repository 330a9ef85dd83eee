"""Every door into fwadmin keeps to the user's scope and fails safe: the admin.

The admin's account filters and account pages show a viewer only the owner and granted
accounts and never an account key, a key cannot be guessed through admin filters, the verify
action is neither offered to a viewer nor run when posted (a superuser sees the keys and can
verify), and a select-all that names an ungranted account is refused.
"""

from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from orders.models import BulkDeletion, FinerWorksAccount, FinerWorksCall, PendingOrder
from tests.every_door_helpers import ACME_KEY, LIST_CALL, account_keys_sent, html
from tests.factories import add_orders, make_user
from tests.helpers import forget_verification

pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)

ZETA_KEY = "99999999-8888-4777-8666-555555555555"


def zeta_account(fw) -> FinerWorksAccount:
    """A second delegated account, never granted in these tests."""
    return FinerWorksAccount.objects.create(
        name="Zeta Posters",
        account_key=fw.add_account(ZETA_KEY),
        verification=FinerWorksAccount.Verification.VERIFIED,
    )


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


def test_an_account_key_cannot_be_guessed_through_admin_filters(client, auditor, three_accounts):
    client.force_login(auditor)
    url = reverse("admin:orders_finerworksaccount_changelist")

    response = client.get(url, {"account_key__startswith": ACME_KEY[:4]})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Acme" not in response.content.decode()


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
