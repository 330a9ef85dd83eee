"""FinerWorks accounts: the owner row, and proving FinerWorks honours an account_key."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from orders.finerworks.errors import FinerWorksError
from orders.models import FinerWorksAccount, PendingOrder

from .audit import finerworks_client
from .last_seen import last_seen_kept

OWNER_ACCOUNT_NAME = "Own account"


def account_owner_get_or_create() -> FinerWorksAccount:
    """The account the configured API keys belong to (the one without an account_key)."""
    account = FinerWorksAccount.objects.filter(account_key__isnull=True).first()
    if account is None:
        account = FinerWorksAccount.objects.create(
            name=OWNER_ACCOUNT_NAME,
            account_key=None,
            verification=FinerWorksAccount.Verification.VERIFIED,
            verification_note=OWNER_NOTE,
        )
    return account


OWNER_NOTE = "The owner account needs no account_key."


def finerworks_account_verify(*, account: FinerWorksAccount, acting_user) -> FinerWorksAccount:
    """Prove that FinerWorks honours this account_key: by disjointness, never by difference.

    FinerWorks silently ignores a key the credentials may not use and answers for the key
    owner instead, and fulfillment ids are global: so FinerWorks sees three
    list_pending_orders calls (without the key, with it, without it again; all audited)
    and the key is honoured iff the keyed listing is not empty and shares no id with the
    owner's. An empty keyed listing proves nothing (inconclusive; nothing to act on either).
    """
    Verification = FinerWorksAccount.Verification
    if account.is_owner:
        state, note = Verification.VERIFIED, OWNER_NOTE
    else:
        client = finerworks_client(
            purpose="account_check", account=account, acting_user=acting_user
        )
        try:
            # The owner on both sides of the keyed listing: an ignored key answers with
            # the owner's orders of that moment, which overlap at least one of the two
            # unless every owner order changed within the calls.
            owner_ids = _listed_ids(client.list_pending_orders())
            keyed_ids = _listed_ids(client.list_pending_orders(account_key=account.account_key))
            owner_ids |= _listed_ids(client.list_pending_orders())
        except FinerWorksError as exc:
            state, note = Verification.FAILED, str(exc)
        else:
            state, note = _verdict(keyed_ids, owner_ids)
    if state == Verification.INCONCLUSIVE and account.verification == Verification.VERIFIED:
        # Nothing to compare proves nothing either way: an earlier proof stands.
        proof = account.verification_note.split(" (Re-checked:")[0]
        state, note = Verification.VERIFIED, f"{proof} (Re-checked: {note})"
    _account_verification_save(account, state, note)
    return account


def _listed_ids(response) -> set[int]:
    return {order.fulfillment_id for order in response.listed_orders}


def _verdict(keyed_ids: set[int], owner_ids: set[int]) -> tuple[str, str]:
    Verification = FinerWorksAccount.Verification
    if shared := keyed_ids & owner_ids:
        return Verification.NOT_HONOURED, _not_honoured_note(shared)
    if keyed_ids:
        return Verification.VERIFIED, (
            f"FinerWorks lists {len(keyed_ids)} orders for this key and {len(owner_ids)} "
            "other ones without it: no id in common."
        )
    # An empty keyed listing proves nothing: an ignored key answers with the owner's
    # orders, and the owner may have had none at that moment.
    return Verification.INCONCLUSIVE, (
        "FinerWorks lists no orders for this key, so there is nothing to compare; checked "
        "again before the next sync or deletion."
    )


def _not_honoured_note(shared) -> str:
    shown = ", ".join(f"#{fid}" for fid in sorted(shared)[:5])
    return (
        f"FinerWorks lists {len(shared)} of the same orders ({shown}) with this key and without "
        "it: it ignores the key and answers for the owner account, so nothing is synced or "
        "deleted for this account. Run Verify again once FinerWorks allows the key."
    )


def _account_verification_save(account: FinerWorksAccount, state: str, note: str) -> None:
    account.verification = state
    account.verification_note = note
    account.verified_at = timezone.now()
    account.save(update_fields=["verification", "verification_note", "verified_at"])


def account_key_refusal(*, account: FinerWorksAccount, acting_user) -> str:
    """Why fwadmin may not use this account's key now ("" when it may).

    A key never proven honoured is checked first (finerworks_account_verify); one found
    ignored stays refused until someone verifies it again. Inconclusive (both listings
    empty) is allowed: the caller's own disjointness check still guards it.
    """
    Verification = FinerWorksAccount.Verification
    if account.is_owner:
        return ""
    if account.verification not in (Verification.VERIFIED, Verification.NOT_HONOURED):
        finerworks_account_verify(account=account, acting_user=acting_user)
    if account.verification == Verification.NOT_HONOURED:
        return f"{account}: FinerWorks ignores this account's key. {account.verification_note}"
    if account.verification == Verification.FAILED:
        return f"{account}: the account key could not be checked. {account.verification_note}"
    return ""


def accounts_holding(fids, *, besides: FinerWorksAccount) -> dict[int, list[int]]:
    """Which other accounts' mirrors hold any of these fulfillment ids: {account pk: ids}.

    Fulfillment ids are global at FinerWorks, so a delegated listing that shares one with
    another account's mirror is the owner's listing under a key FinerWorks ignored. For
    the owner's own listing only pending delegated rows count: those are the ones it
    exposes (and marks gone, see delegated_copies_mark_gone).
    """
    held: dict[int, list[int]] = {}
    ordered = sorted(fids)
    others = PendingOrder.objects.exclude(account=besides)
    if besides.is_owner:
        others = others.filter(state=PendingOrder.State.PENDING)
    for start in range(0, len(ordered), 1000):
        rows = others.filter(fulfillment_id__in=ordered[start : start + 1000])
        for account_id, fid in rows.values_list("account", "fulfillment_id"):
            held.setdefault(account_id, []).append(fid)
    return held


def delegated_copies_mark_gone(held: dict[int, list[int]]) -> None:
    """Owner orders a delegated mirror held under an ignored key are not that account's:
    gone from it (kept for the audit), so a later honest Verify is not undone."""
    for account_id, fids in held.items():
        for start in range(0, len(fids), 1000):
            PendingOrder.objects.filter(
                account_id=account_id,
                fulfillment_id__in=fids[start : start + 1000],
                state=PendingOrder.State.PENDING,
                claimed_by__isnull=True,
            ).update(
                state=PendingOrder.State.GONE,
                state_changed_at=timezone.now(),
                last_seen_at=last_seen_kept(),
            )


def accounts_mark_not_honoured(account_ids, shared) -> None:
    """Record that FinerWorks ignores these delegated accounts' keys (the owner never)."""
    Verification = FinerWorksAccount.Verification
    delegated = FinerWorksAccount.objects.filter(pk__in=account_ids, account_key__isnull=False)
    delegated.update(
        verification=Verification.NOT_HONOURED,
        verification_note=_not_honoured_note(shared),
        verified_at=timezone.now(),
    )


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
