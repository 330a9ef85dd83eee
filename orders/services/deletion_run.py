"""Run a confirmed deletion: per account prove the key, pre-flight, send in chunks, verify
by re-listing. Only verified disappearance marks an order deleted.

FinerWorks' delete answer carries no per-id result and an account_key it may not use is
silently ignored (docs/finerworks-api.md), hence the re-listing around every send, the
same ids listed with and without the key, and the refusal to send for a user not granted.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F
from django.utils import timezone

from orders.deletion_states import deletion_move, items_move
from orders.finerworks.errors import (
    CredentialsRejected,
    FinerWorksError,
)
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder

from .accounts import account_key_refusal
from .advice import explain
from .audit import finerworks_client
from .deletion import bulk_deletion_accounts, chunked
from .deletion_fence import RunFence, Superseded, run_take
from .deletion_send import StopRun, not_sent, preflight, refused, send_chunks
from .deletion_status import DeletionTotals, bulk_deletion_totals
from .deletion_verify import LIST_CHUNK, items_with, mark_orders_gone, verify_sent
from .facets import account_facets_refresh

Outcome = BulkDeletionItem.Outcome
State = BulkDeletion.State
SELECTED = [Outcome.SELECTED]


def bulk_deletion_run(*, deletion: BulkDeletion, acting_user) -> DeletionTotals:
    """Send a confirmed deletion to FinerWorks and settle every item.

    Per account FinerWorks sees: list_pending_orders with the ids (pre-flight; for a
    delegated account the ids it listed are asked once more without the key), then
    delete_pending_orders in chunks of FINERWORKS_DELETE_BATCH_SIZE, then
    list_pending_orders with the sent ids (verification). Every attempt is audited and
    linked to the deletion. Items already sent but not verified (a run that died) are
    verified first and never resent blindly.
    """
    if not run_take(deletion):  # only one worker may run a deletion
        return bulk_deletion_totals(deletion)
    fence = RunFence(deletion, acting_user)
    # This run's delete calls: planned per account, corrected once each pre-flight knows.
    fence.planned = _chunks_planned(deletion)
    fence.progress(phase="preflight", chunks_total=sum(fence.planned.values()), chunks_sent=0)
    try:
        stop_reason = _run_accounts(fence)
    except Superseded:
        return bulk_deletion_totals(deletion)  # the newer run settles everything
    except ImproperlyConfigured as exc:
        with fence.guard():
            items_move(deletion.items, sources=SELECTED, target=Outcome.NOT_SENT, note=str(exc))
        _finish(fence, State.FAILED, str(exc))
        return bulk_deletion_totals(deletion)
    except Exception as exc:
        # Leave a truthful record; items already sent stay "sending" and are verified
        # first if the deletion is queued again.
        _finish(fence, State.FAILED, f"The run stopped unexpectedly: {exc!r}")
        raise
    if stop_reason:
        _finish(fence, State.FAILED, stop_reason)
    elif fence.cancel_requested():
        _finish(fence, State.CANCELLED, "")
    else:
        _finish(fence, State.FINISHED, "")
    return bulk_deletion_totals(deletion)


def _chunks_for(count: int) -> int:
    return -(-count // settings.FINERWORKS_DELETE_BATCH_SIZE)


def _chunks_planned(deletion: BulkDeletion) -> dict[int, int]:
    """Delete calls still to make, by account: its selected orders in chunks."""
    selected = deletion.items.filter(outcome=Outcome.SELECTED)
    counts = selected.values("account").annotate(n=Count("pk"))
    return {row["account"]: _chunks_for(row["n"]) for row in counts}


def _finish(fence: RunFence, state: str, error: str) -> None:
    deletion = fence.deletion
    won = deletion_move(
        deletion,
        sources=[State.RUNNING],
        target=state,
        where={"run_attempt": fence.token},
        error_message=error,
        finished_at=timezone.now(),
        chunks_total=F("chunks_sent"),  # what was planned but never sent is not to come
    )
    if won:
        # Orders verified deleted or gone were released as they settled; this frees the rest
        # but those still in flight: no other deletion may send them before a requeue of
        # this one has verified them.
        in_flight = deletion.items.filter(outcome=Outcome.SENDING).values("order_id")
        PendingOrder.objects.filter(claimed_by=deletion).exclude(pk__in=in_flight).update(
            claimed_by=None
        )
        account_facets_refresh(deletion.items.values_list("account_id", flat=True).distinct())
    deletion.refresh_from_db()


def _run_accounts(fence: RunFence) -> str:
    """Run every account; the reason the run stopped early, if it left anything unsent."""
    stop_reason, unsent = "", 0
    for account in bulk_deletion_accounts(fence.deletion):
        items = fence.deletion.items.filter(account=account)
        if stop_reason:
            unsent += not_sent(fence, items, stop_reason)
            continue
        try:
            _run_account(fence, account, items)
        except StopRun as exc:
            stop_reason = str(exc)
            unsent += not_sent(fence, items, stop_reason)
    return stop_reason if unsent else ""


def _run_account(fence: RunFence, account, items) -> None:
    deletion = fence.deletion

    def client(purpose):
        return finerworks_client(
            purpose=purpose,
            account=account,
            acting_user=fence.acting_user,
            bulk_deletion=deletion,
            # A delete attempt, retries too, only while this run is the current one.
            before_attempt=fence.check if purpose == "delete" else None,
        )

    if not _resume(fence, account, items, client):
        return
    key = account.account_key or None  # as _resume re-read it
    selected = items_with(items, Outcome.SELECTED)
    to_check = selected.fids()
    if not to_check:
        return
    if fence.cancel_requested():
        not_sent(fence, items, "Cancelled.")
        return
    fence.progress(phase="preflight")
    try:
        listing = preflight(fence, account, items, client("preflight"), to_check, key)
    except CredentialsRejected as exc:
        raise StopRun(explain(exc)) from exc
    except FinerWorksError as exc:
        not_sent(fence, items, f"Pre-flight check failed, nothing sent: {explain(exc)}")
        return
    if listing is None:
        return
    gone = [fid for fid in to_check if fid not in listing.ids]
    for chunk in chunked(gone, 1000):
        mark_orders_gone(fence, selected, chunk)
    to_send = [fid for fid in to_check if fid in listing.ids]
    # Gone before sending, or sent by a dead run and still listed: the plan was a guess.
    if change := _chunks_for(len(to_send)) - fence.planned.get(account.pk, 0):
        fence.progress(chunks_total=F("chunks_total") + change)
    try:
        send_chunks(fence, account, items, selected, to_send, client("delete"), key)
    finally:
        # Also when the run stops: chunks already sent must be settled, not left in flight.
        if not fence.superseded:
            verify_sent(fence, items, client("verify"), key, listing.largest_answer)


def _resume(fence: RunFence, account, items, client) -> bool:
    """Before any pre-flight: the account may still be acted for, and what a dead run sent is
    verified first. False when the account is refused (audited; nothing more is sent)."""
    deletion = fence.deletion
    account.refresh_from_db()  # its key's verification may have changed since confirmation
    # Checked again at run time: a grant may have been revoked since confirmation.
    if refused(fence, account, items, fence.refusal(account), in_flight=True):
        return False
    # Before any list with the key, even of orders a dead run sent: an ignored key would
    # answer for the owner, who does not have them, and they would pass for deleted.
    refusal = account_key_refusal(account=account, acting_user=fence.acting_user)
    if refused(fence, account, items, refusal, in_flight=True):
        return False
    # A previous run may have died after sending: verify those before anything else. What
    # FinerWorks still lists was never applied, so it goes back to be sent once more.
    resume_chunk = min(LIST_CHUNK, settings.FINERWORKS_DELETE_BATCH_SIZE)
    key = account.account_key or None
    verify_sent(fence, items, client("verify"), key, resume_chunk, resume=True)
    with fence.guard():
        # Only orders this deletion holds are sent. After a failed run released its
        # claims, another deletion may have claimed some; a requeued run leaves those.
        items_move(
            items.exclude(order__claimed_by=deletion),
            sources=SELECTED,
            target=Outcome.CLAIMED,
            note="No longer held by this deletion (another one claimed it while this one "
            "was stopped); not sent by this one.",
        )
    return True
