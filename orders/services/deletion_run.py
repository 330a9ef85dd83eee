"""Run a confirmed deletion: per account pre-flight, send in chunks, verify by re-listing.
Only verified disappearance marks an order deleted.

FinerWorks' delete answer carries no per-id result and an unauthorised account_key is
silently ignored (see shared/reference/finerworks-api.md sections 5.2 and 7), hence the
re-listing around every send and the refusal to send any key the user is not granted.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from orders.finerworks.errors import (
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    RateLimited,
    RequestRejected,
)
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder
from orders.permissions import user_can_delete_at_finerworks, user_may_act_for

from .advice import explain
from .audit import finerworks_client
from .deletion import bulk_deletion_accounts, chunked, delete_refusal_record, settle
from .deletion_status import DeletionTotals, bulk_deletion_totals
from .deletion_verify import ItemIndex, items_with, listed_ids, mark_orders_gone, verify_sent

Outcome = BulkDeletionItem.Outcome


class _StopRun(Exception):
    """Nothing more can get through to FinerWorks in this run."""


def bulk_deletion_run(*, deletion: BulkDeletion, acting_user) -> DeletionTotals:
    """Send a confirmed deletion to FinerWorks and settle every item.

    Per account FinerWorks sees: list_pending_orders with the ids (pre-flight), then
    delete_pending_orders in chunks of FINERWORKS_DELETE_BATCH_SIZE, then
    list_pending_orders with the sent ids (verification). Every attempt is audited and
    linked to the deletion. Items already sent but not verified (a run that died) are
    verified first and never resent blindly.
    """
    now = timezone.now()
    # Only one worker may run a deletion: the state change from queued is the lock.
    started = BulkDeletion.objects.filter(pk=deletion.pk, state=BulkDeletion.State.QUEUED).update(
        state=BulkDeletion.State.RUNNING, started_at=now, heartbeat_at=now
    )
    deletion.refresh_from_db()
    if not started:
        return bulk_deletion_totals(deletion)
    try:
        stop_reason = _run_accounts(deletion, acting_user)
    except ImproperlyConfigured as exc:
        settle(deletion.items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, str(exc))
        _finish(deletion, BulkDeletion.State.FAILED, str(exc))
        return bulk_deletion_totals(deletion)
    except Exception as exc:
        # Leave a truthful record; items already sent stay "sending" and are verified
        # first if the deletion is queued again.
        _finish(deletion, BulkDeletion.State.FAILED, f"The run stopped unexpectedly: {exc!r}")
        raise
    if stop_reason:
        _finish(deletion, BulkDeletion.State.FAILED, stop_reason)
    elif deletion.cancel_requested:
        _finish(deletion, BulkDeletion.State.CANCELLED, "")
    else:
        _finish(deletion, BulkDeletion.State.FINISHED, "")
    return bulk_deletion_totals(deletion)


def _finish(deletion: BulkDeletion, state: str, error: str) -> None:
    # Orders verified deleted or gone were released as they were settled; this frees the rest.
    PendingOrder.objects.filter(claimed_by=deletion).update(claimed_by=None)
    deletion.state = state
    deletion.error_message = error
    deletion.finished_at = timezone.now()
    deletion.save(update_fields=["state", "error_message", "finished_at"])


def _run_accounts(deletion: BulkDeletion, acting_user) -> str:
    stop_reason = ""
    for account in bulk_deletion_accounts(deletion):
        items = deletion.items.filter(account=account)
        if stop_reason:
            settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, stop_reason)
            continue
        try:
            _run_account(deletion, account, items, acting_user)
        except _StopRun as exc:
            stop_reason = str(exc)
            settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, stop_reason)
    return stop_reason


def _run_account(deletion, account, items, acting_user) -> None:
    def client(purpose):
        return finerworks_client(
            purpose=purpose, account=account, acting_user=acting_user, bulk_deletion=deletion
        )

    key = account.account_key or None
    # Checked again at run time: a grant may have been revoked since confirmation.
    if not (user_can_delete_at_finerworks(acting_user) and user_may_act_for(acting_user, account)):
        selected = items.filter(outcome=Outcome.SELECTED)
        reason = f"{acting_user} may not act for the FinerWorks account {account}."
        ids = list(selected.values_list("fulfillment_id", flat=True))
        delete_refusal_record(
            user=acting_user, account=account, ids=ids, reason=reason, deletion=deletion
        )
        settle(selected, Outcome.NOT_SENT, reason)
        return

    # A previous run may have died after sending: verify those before anything else. What
    # FinerWorks still lists was never applied, so it goes back to be sent once more.
    verify_sent(deletion, items, client("verify"), key, acting_user, resume=True)
    # Only orders this deletion holds are sent. After a failed run released its claims,
    # another deletion may have claimed some; a requeued run leaves those to it.
    settle(
        items.filter(outcome=Outcome.SELECTED).exclude(order__claimed_by=deletion),
        Outcome.CLAIMED,
        "No longer held by this deletion (another one claimed it while this one was "
        "stopped); not sent by this one.",
    )

    selected = items_with(items, Outcome.SELECTED)
    to_check = selected.fids()
    if not to_check:
        return
    if not _alive(deletion):
        settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, "Cancelled.")
        return
    try:
        listed = listed_ids(deletion, client("preflight"), to_check, key)
    except CredentialsRejected as exc:
        raise _StopRun(explain(exc)) from exc
    except FinerWorksError as exc:
        settle(
            items.filter(outcome=Outcome.SELECTED),
            Outcome.NOT_SENT,
            f"Pre-flight check failed, nothing sent for this account: {explain(exc)}",
        )
        return
    # Only ids asked about count: an id FinerWorks lists but fwadmin did not select is
    # never sent.
    gone = [fid for fid in to_check if fid not in listed]
    for chunk in chunked(gone, 1000):
        mark_orders_gone(selected, chunk)

    try:
        to_send = [fid for fid in to_check if fid in listed]
        _send_chunks(deletion, items, selected, to_send, client("delete"), key)
    finally:
        # Also when the run stops: chunks already sent must be settled, not left in flight.
        verify_sent(deletion, items, client("verify"), key, acting_user)


def _send_chunks(deletion, items, selected: ItemIndex, fids: list[int], delete_client, key) -> None:
    for chunk in chunked(fids, settings.FINERWORKS_DELETE_BATCH_SIZE):
        chunk_items = selected.items(chunk)
        if not _chunk_mark_sending(deletion, chunk_items):
            settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, "Cancelled.")
            break
        try:
            delete_client.delete_pending_orders(chunk, account_key=key)
        except CredentialsRejected as exc:
            settle(chunk_items, Outcome.REJECTED, explain(exc))
            raise _StopRun(explain(exc)) from exc
        except (ConnectionFailed, RateLimited) as exc:
            # Nothing was processed; FinerWorks is out of reach, so stop instead of hammering.
            settle(chunk_items, Outcome.NOT_SENT, explain(exc))
            raise _StopRun(explain(exc)) from exc
        except RequestRejected as exc:
            settle(chunk_items, Outcome.REJECTED, explain(exc))
        except FinerWorksError as exc:
            # Outcome unknown (timeout, 5xx, unreadable answer): verification decides; the
            # note keeps what went wrong for the staff reading the result.
            chunk_items.update(note=f"The delete call failed: {exc}"[:400])


def _alive(deletion: BulkDeletion) -> bool:
    """Note the worker is alive, unless staff asked to stop: one statement answers both."""
    now = timezone.now()
    alive = BulkDeletion.objects.filter(pk=deletion.pk, cancel_requested=False).update(
        heartbeat_at=now
    )
    deletion.cancel_requested = not alive
    return bool(alive)


def _chunk_mark_sending(deletion: BulkDeletion, chunk_items) -> bool:
    """Between chunks: heartbeat, cancel check and the chunk marked sending, in one commit.

    Marked before sending: if this process dies, the next run verifies, not resends.
    False (nothing marked) when staff asked to stop.
    """
    with transaction.atomic():
        if not _alive(deletion):
            return False
        chunk_items.update(outcome=Outcome.SENDING, note="")
    return True
