"""Who may restore what: the restore permission, the account grants, the key proof and the
window, through every door (dashboard pages, their URLs, the admin action)."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import AccountGrant, BulkRestore, FinerWorksAccount, FinerWorksCall, PendingOrder
from tests.factories import make_user
from tests.helpers import confirm
from tests.restore_helpers import SAVE, deleted_orders, restorer_user, start_restore

pytestmark = pytest.mark.django_db(transaction=True)


def test_without_the_restore_permission_there_is_no_button_and_the_urls_answer_403(
    fw, client, restorer, deleter, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=601)
    draft_url = start_restore(client, deletion=deletion.pk)
    client.force_login(deleter)  # may delete, not restore

    pages = [
        client.get(reverse("orders:deletion_detail", args=[deletion.pk])),
        client.get(reverse("orders:detail", args=[originals[0].pk])),
    ]
    posts = [
        client.post(reverse("orders:restore_create"), {"deletion": deletion.pk}),
        client.post(reverse("orders:restore_create"), {"order": originals[0].pk}),
        client.get(draft_url),
        client.post(draft_url, {"confirm": "yes"}),
    ]

    for page in pages:
        assert page.status_code == HTTPStatus.OK
        assert "Restore at FinerWorks" not in page.content.decode()
    assert [r.status_code for r in posts] == [HTTPStatus.FORBIDDEN] * 4
    assert fw.requests_for(SAVE) == []


def test_with_it_the_deletion_and_the_deleted_order_offer_the_button(
    fw, client, restorer, owner_account
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=602)

    for url in (
        reverse("orders:deletion_detail", args=[deletion.pk]),
        reverse("orders:detail", args=[originals[0].pk]),
    ):
        assert "Restore at FinerWorks…" in client.get(url).content.decode()


def test_a_grant_revoked_before_confirming_refuses_the_restore_audited_and_sends_nothing(
    fw, client, owner_account, delegated_account
):
    restorer = restorer_user("granted")
    grant = AccountGrant.objects.create(user=restorer, account=delegated_account)
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 2, seed=603, account=delegated_account)
    draft_url = start_restore(client, deletion=deletion.pk)
    grant.delete()

    response = client.post(draft_url, {"confirm": "yes"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert fw.requests_for(SAVE) == []
    refusal = FinerWorksCall.objects.get(endpoint=SAVE)
    assert refusal.outcome == "refused" and refusal.account == delegated_account
    assert sorted(refusal.request_payload["ids"]) == sorted(o.fulfillment_id for o in originals)


def test_orders_of_an_ungranted_account_cannot_be_chosen_even_by_a_forged_post(
    fw, client, admin_user, owner_account, delegated_account
):
    client.force_login(admin_user)
    _deletion, originals = deleted_orders(fw, client, 1, seed=604, account=delegated_account)
    client.force_login(restorer_user("outsider"))

    response = client.post(reverse("orders:restore_create"), {"order": originals[0].pk})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not BulkRestore.objects.exists()


def test_a_key_not_proven_honoured_is_never_used_for_a_save(
    fw, client, admin_user, owner_account, delegated_account
):
    client.force_login(admin_user)
    deletion, _ = deleted_orders(fw, client, 1, seed=605, account=delegated_account)
    FinerWorksAccount.objects.filter(pk=delegated_account.pk).update(
        verification=FinerWorksAccount.Verification.INCONCLUSIVE
    )

    response = confirm(client, start_restore(client, deletion=deletion.pk))

    assert "has not been shown to honour" in response.content.decode()
    assert fw.requests_for(SAVE) == []
    assert FinerWorksCall.objects.filter(endpoint=SAVE, outcome="refused").count() == 1


def test_an_order_deleted_outside_the_window_is_refused_with_a_clear_message(
    fw, client, restorer, owner_account, settings
):
    client.force_login(restorer)
    deletion, originals = deleted_orders(fw, client, 1, seed=606)
    long_ago = timezone.now() - timedelta(days=settings.FWADMIN_RESTORE_DAYS + 1)
    PendingOrder.objects.filter(pk=originals[0].pk).update(state_changed_at=long_ago)

    response = client.post(reverse("orders:restore_create"), {"deletion": deletion.pk}, follow=True)

    assert "more than 30 days ago" in response.content.decode()
    assert not BulkRestore.objects.exists()


def test_the_admin_action_starts_the_same_confirmation_and_needs_the_same_permission(
    fw, client, restorer, deleter, owner_account
):
    client.force_login(restorer)
    _deletion, originals = deleted_orders(fw, client, 2, seed=607)
    data = {"action": "restore_at_finerworks", "_selected_action": [o.pk for o in originals]}
    changelist = reverse("admin:orders_pendingorder_changelist")

    response = client.post(changelist, data)
    client.force_login(make_user("staff", "orders.view_pendingorder"))
    refused = client.post(changelist, data)

    assert response.status_code == HTTPStatus.FOUND and "/restores/" in response.url
    assert fw.requests_for(SAVE) == []  # nothing until confirmed
    assert BulkRestore.objects.get().items.count() == 2
    assert BulkRestore.objects.count() == 1  # the action is not offered without the permission
    assert refused.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
