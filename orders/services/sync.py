"""Mirror FinerWorks' pending orders: one full snapshot per account, upserted in bulk.

A snapshot is used only when its account's key is proven honoured: a delegated listing that
shares an id with another account's mirror is the owner's listing under an ignored key, and
is refused whole (docs/finerworks-api.md, "Account keys").
"""

import logging
import time
from dataclasses import dataclass, field

from django.db import DatabaseError
from django.utils import timezone

from orders.finerworks.errors import CredentialsRejected, FinerWorksError
from orders.models import FinerWorksAccount

from .accounts import (
    account_key_refusal,
    account_owner_get_or_create,
    accounts_holding,
    accounts_mark_not_honoured,
    delegated_copies_mark_gone,
)
from .advice import explain
from .audit import finerworks_call_refusal_record, finerworks_client
from .sync_apply import snapshot_apply
from .sync_snapshot import Snapshot

logger = logging.getLogger("orders.sync")


@dataclass
class SyncSummary:
    account: FinerWorksAccount
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    listed_again: int = 0  # marked deleted, yet FinerWorks still lists them
    skipped: list[str] = field(default_factory=list)  # records that could not be mirrored
    complete: bool = True  # False: some record had no usable id, so nothing was marked gone
    duration_ms: int = 0
    error: FinerWorksError | None = None
    refused: str = ""  # why fwadmin refused to sync this account (nothing changed)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.refused

    def __str__(self):
        if self.error is not None:
            return f"{self.account}: sync failed, nothing changed. {explain(self.error)}"
        if self.refused:
            return f"Sync refused, nothing changed. {self.refused}"
        text = (
            f"{self.account}: {self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.gone} gone ({self.duration_ms} ms)"
        )
        if self.listed_again:
            text += (
                f"; {self.listed_again} marked deleted are still listed by FinerWorks and are "
                "pending again"
            )
        if self.skipped:
            shown = "; ".join(self.skipped[:5]) + ("; ..." if len(self.skipped) > 5 else "")
            n = len(self.skipped)
            text += f"; {n} record{'s' if n > 1 else ''} skipped ({shown})"
        if not self.complete:
            text += "; nothing marked gone, as the answer was not complete"
        return text


def _accounts(account, accounts) -> list[FinerWorksAccount]:
    if account is not None:
        return [account]
    account_owner_get_or_create()  # before `accounts` (a lazy queryset) is read
    if accounts is None:
        accounts = FinerWorksAccount.objects.all()
    # The owner first: each delegated snapshot is checked against the owner's fresh mirror.
    return sorted(accounts.order_by("name"), key=lambda a: not a.is_owner)


def pending_orders_sync(
    *, account: FinerWorksAccount | None = None, accounts=None, acting_user=None, progress=None
) -> list[SyncSummary]:
    """List every pending order of each account (one, the queryset `accounts`, or all when
    none given) and mirror it.

    FinerWorks sees one list_pending_orders call per account (plus allowed retries, and the
    two calls of a key check for a delegated account never proven honoured); each attempt
    and each refusal is audited. A failed or refused account changes none of its orders and
    does not stop the others. `progress(account, **counts)`, if given, hears of each
    account `listing=True`, then `listed` (orders in the answer), `to_write` (new, changed
    or gone) and `written` as the writes go (inside the transaction: it must not write).
    """
    summaries = []
    for acct in _accounts(account, accounts):
        summary = _sync_account(acct, acting_user, progress or _quiet)
        summaries.append(summary)
        if isinstance(summary.error, CredentialsRejected):
            break  # every other account would be refused the same way
    return summaries


def _quiet(account, **counts) -> None:
    pass


def _sync_account(account: FinerWorksAccount, acting_user, progress) -> SyncSummary:
    started = time.monotonic()
    summary = SyncSummary(account=account)

    def heard(**counts) -> None:
        progress(account, **counts)

    try:
        _sync_listed(account, acting_user, summary, heard)
    except FinerWorksError as exc:
        summary.error = exc
    except DatabaseError as exc:
        # Nothing of this account was written (one transaction); the others still sync.
        logger.exception("Sync of account %s failed in the database", account.pk)
        summary.refused = f"{account}: the mirror could not be written ({type(exc).__name__})."
    summary.duration_ms = int((time.monotonic() - started) * 1000)
    return summary


def _has_delegated() -> bool:
    # Most shops have only their own account: then no listing can overlap another's.
    return FinerWorksAccount.objects.filter(account_key__isnull=False).exists()


def _refuse(account, acting_user, summary: SyncSummary, reason: str) -> None:
    summary.refused = reason
    finerworks_call_refusal_record(
        endpoint="list_pending_orders",
        purpose="sync",
        account=account,
        acting_user=acting_user,
        reason=reason,
    )


def _sync_listed(account: FinerWorksAccount, acting_user, summary: SyncSummary, progress) -> None:
    account.refresh_from_db()  # its key's verification may have changed since it was read
    if refusal := account_key_refusal(account=account, acting_user=acting_user):
        _refuse(account, acting_user, summary, refusal)
        return
    progress(listing=True)
    listed_at = timezone.now()  # what changed locally after this, the snapshot cannot undo
    client = finerworks_client(purpose="sync", account=account, acting_user=acting_user)
    response = client.list_pending_orders(account_key=account.account_key or None)
    snapshot = Snapshot.of(response, listed_at)
    del response  # the orders live on in the snapshot only
    progress(listed=snapshot.mirrorable)
    summary.skipped = snapshot.skipped
    summary.complete = snapshot.complete
    held = accounts_holding(snapshot.listed, besides=account) if _has_delegated() else {}
    if held and not account.is_owner:
        shared = sorted({fid for fids in held.values() for fid in fids})
        accounts_mark_not_honoured([account.pk, *held], shared)
        account.refresh_from_db()
        _refuse(account, acting_user, summary, f"{account}: {account.verification_note}")
        return
    if held:  # the owner's own listing is the truth: those delegated mirrors are not
        shared = sorted({fid for fids in held.values() for fid in fids})
        accounts_mark_not_honoured(list(held), shared)
        delegated_copies_mark_gone(held)
    snapshot_apply(account, snapshot, summary, progress)
