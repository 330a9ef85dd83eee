""" "Select the extra copies" never takes the last copy of a group, even when two of them
overlap (one keeping the newest, one the oldest, drafted before either is confirmed)."""

import pytest
from django.urls import reverse

from orders import services
from orders.models import BulkDeletion, PendingOrder
from orders.services.facets import account_facets_refresh
from tests.junk_helpers import junk_order, junk_record

pytestmark = pytest.mark.django_db
CREATE = reverse("orders:deletion_create")


def _draft(client, keep) -> BulkDeletion:
    before = set(BulkDeletion.objects.values_list("pk", flat=True))
    client.post(CREATE, {"junk": "duplicate_po", "extras": keep})
    return BulkDeletion.objects.exclude(pk__in=before).get()


def _confirm(deletion, user) -> None:
    assert services.bulk_deletion_confirm(deletion=deletion, user=user)


@pytest.mark.parametrize("drafted_first", [False, True])
def test_two_overlapping_extra_copy_selections_leave_one_copy_of_each_group(
    client, deleter, owner_account, drafted_first
):
    group = [junk_order(owner_account, junk_record("DUP-9", last=f"D{i}")) for i in range(3)]
    account_facets_refresh([owner_account.pk])
    client.force_login(deleter)

    newest = _draft(client, "newest")  # selects the two oldest copies
    if drafted_first:  # two tabs: both drafted before either is confirmed
        oldest = _draft(client, "oldest")
        _confirm(newest, deleter)
        _confirm(oldest, deleter)  # its group lost the copy it kept: let go
        assert set(oldest.items.values_list("outcome", flat=True)) == {"claimed", "not_sent"}
    else:
        _confirm(newest, deleter)
        client.post(CREATE, {"junk": "duplicate_po", "extras": "oldest"})
        assert BulkDeletion.objects.count() == 1  # no copy kept is free: nothing to select

    held = PendingOrder.objects.filter(pk__in=[o.pk for o in group], claimed_by__isnull=False)
    assert held.count() == 2  # the newest copy stays, whichever way the two overlapped
    assert PendingOrder.objects.get(pk=group[-1].pk).claimed_by_id is None
