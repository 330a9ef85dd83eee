"""FinerWorks accounts: the owner row, and proving FinerWorks honours an account_key."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from orders.finerworks.errors import FinerWorksError
from orders.models import FinerWorksAccount

from .audit import finerworks_client

OWNER_ACCOUNT_NAME = "Own account"


def account_owner_get_or_create() -> FinerWorksAccount:
    """The account the configured API keys belong to (the one without an account_key)."""
    account = FinerWorksAccount.objects.filter(account_key__isnull=True).first()
    if account is None:
        account = FinerWorksAccount.objects.create(name=OWNER_ACCOUNT_NAME, account_key=None)
    return account


def finerworks_account_verify(*, account: FinerWorksAccount, acting_user) -> FinerWorksAccount:
    """Check that FinerWorks really acts for this account_key.

    FinerWorks silently ignores a key the credentials may not use and answers for the key
    owner instead, so FinerWorks sees two list_pending_orders calls (without and with the
    key, both audited) and the key counts as honoured only if the answers differ.
    """
    Verification = FinerWorksAccount.Verification
    if account.is_owner:
        state, note = Verification.VERIFIED, "The owner account needs no account_key."
    else:
        client = finerworks_client(
            purpose="account_check", account=account, acting_user=acting_user
        )
        try:
            owner = client.list_pending_orders()
            owner_ids = {o.order_id() for o in owner.listed_orders}
            keyed = client.list_pending_orders(account_key=account.account_key)
            keyed_ids = {o.order_id() for o in keyed.listed_orders}
        except FinerWorksError as exc:
            state, note = Verification.FAILED, str(exc)
        else:
            if owner_ids != keyed_ids:
                state = Verification.VERIFIED
                note = (
                    f"FinerWorks lists {len(keyed_ids)} orders for this key, "
                    f"{len(owner_ids)} without it."
                )
            elif owner_ids:
                state = Verification.NOT_HONOURED
                note = (
                    "FinerWorks answered with the owner's own orders: the API keys may not use "
                    "this account_key, so a delete would hit the owner account."
                )
            else:
                state = Verification.INCONCLUSIVE
                note = "Neither account has pending orders, so the answers cannot be compared."
    account.verification = state
    account.verification_note = note
    account.verified_at = timezone.now()
    account.save(update_fields=["verification", "verification_note", "verified_at"])
    return account


@dataclass
class MirrorAge:
    account: FinerWorksAccount
    last_synced_at: datetime | None
    stale: bool
    orders: int = 0  # how many orders of this account the page is about


def mirror_staleness(accounts, order_counts: dict | None = None) -> list[MirrorAge]:
    """How fresh each account's mirror is; stale past FWADMIN_MIRROR_STALE_AFTER_MINUTES."""
    limit = timezone.now() - timedelta(minutes=settings.FWADMIN_MIRROR_STALE_AFTER_MINUTES)
    counts = order_counts or {}
    return [
        MirrorAge(
            a,
            a.last_synced_at,
            a.last_synced_at is None or a.last_synced_at < limit,
            counts.get(a.pk, 0),
        )
        for a in accounts
    ]
