"""Helpers shared by the tests of account keys FinerWorks ignores
(tests/test_account_keys_*.py): the delegated account's key and the `delegated` fixture (that
account, verified), its refused calls, and the owner's orders mirrored under its name as the
previous version did with an ignored key."""

import pytest
from django.utils import timezone

from orders.models import FinerWorksAccount, FinerWorksCall, PendingOrder
from orders.services.sync_snapshot import mirrored_fields, record_hash

Verification = FinerWorksAccount.Verification
KEY = "33333333-4444-4555-8666-777777777777"


@pytest.fixture
def delegated(fw, owner_account):
    fw.add_account(KEY)
    return FinerWorksAccount.objects.create(
        name="Delegated A", account_key=KEY, verification=Verification.VERIFIED
    )


def refusals(account):
    return FinerWorksCall.objects.filter(account=account, outcome="refused")


def mirror_owner_orders_as(account, records):
    """What the previous version did with an ignored key: the owner's orders mirrored under
    the delegated account (and its verification falsely said Verified)."""
    now = timezone.now()
    for record in records:
        PendingOrder.objects.create(
            account=account,
            fulfillment_id=record["fulfillment_id"],
            raw=record,
            raw_hash=record_hash(record),
            first_seen_at=now,
            last_seen_at=now,
            **mirrored_fields(record),
        )
    return list(PendingOrder.objects.filter(account=account))
