"""Run a confirmed restore: per account, check the user and the key, settle what a dead
run sent, save the orders in chunks, then verify by listing the new ids. Only an order a
complete listing shows, for its own account only, is marked restored.

A save is not idempotent: a call whose outcome is unknown is settled by listing, never
sent again (docs/finerworks-api.md, "Restoring").
"""

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from orders.deletion_states import deletion_move
from orders.finerworks.errors import FinerWorksError
from orders.models import BulkRestore, BulkRestoreItem, PendingOrder
from orders.permissions import user_can_restore_at_finerworks
from orders.restore_states import RELEASED, restore_items_move

from .accounts import account_key_refusal
from .advice import explain
from .audit import finerworks_client
from .deletion_fence import RunFence, Superseded, run_take
from .deletion_send import StopRun
from .facets import account_facets_refresh
from .restore_send import send_account
from .restore_start import bulk_restore_accounts, restore_refusal_record
from .restore_verify import listed_before, verify_saved

State, Outcome = BulkRestore.State, BulkRestoreItem.Outcome
IN_FLIGHT = [Outcome.SAVING, Outcome.UNVERIFIED]


def bulk_restore_run(*, restore: BulkRestore, acting_user) -> BulkRestore:
    """Send a confirmed restore to FinerWorks and settle every item.

    Per account FinerWorks sees save_pending_orders in chunks of FWADMIN_RESTORE_BATCH_SIZE
    (one `source` per call), then list_pending_orders with the new ids (for a delegated
    account also without the key: the owner must not list them). Every attempt is audited
    and linked to the restore.
    """
    if not run_take(restore):
        return restore
    fence = RunFence(restore, acting_user, may=user_can_restore_at_finerworks, verb="restore")
    try:
        stop_reason = _run_accounts(fence)
    except Superseded:
        return restore
    except ImproperlyConfigured as exc:
        with fence.guard():
            _not_sent(restore.items, str(exc))
        return _finish(fence, State.FAILED, str(exc))
    except Exception as exc:
        # Nothing more is sent: what was not sent is released, what was stays to check.
        if not fence.superseded:
            with fence.guard():
                _not_sent(restore.items, f"Not sent: the run stopped unexpectedly ({exc!r}).")
        _finish(fence, State.FAILED, f"The run stopped unexpectedly: {exc!r}")
        raise
    if stop_reason:
        return _finish(fence, State.FAILED, stop_reason)
    if unsettled := restore.items.filter(outcome__in=IN_FLIGHT).count():
        # Not finished while FinerWorks may hold orders fwadmin cannot name: a recheck
        # lists again (and never resends).
        why = (
            f"{unsettled} order{'s' if unsettled != 1 else ''} with an unknown outcome: "
            "press Check again to list FinerWorks once more (nothing is sent again)."
        )
        return _finish(fence, State.FAILED, why)
    return _finish(fence, State.CANCELLED if fence.cancel_requested() else State.FINISHED, "")


def _not_sent(items, reason: str) -> int:
    return restore_items_move(
        items, sources=[Outcome.SELECTED], target=Outcome.NOT_SENT, note=reason
    )


def _finish(fence: RunFence, state: str, error: str) -> BulkRestore:
    restore = fence.deletion
    won = deletion_move(
        restore,
        sources=[State.RUNNING],
        target=state,
        where={"run_attempt": fence.token},
        error_message=error,
        finished_at=timezone.now(),
    )
    if won:
        # FinerWorks holds no copy of these: a later restore may take them. Restored and
        # unsettled orders stay claimed, so nothing is ever re-created twice.
        released = restore.items.filter(outcome__in=RELEASED).values("order_id")
        PendingOrder.objects.filter(pk__in=released, restore_claimed_by=restore).update(
            restore_claimed_by=None
        )
        account_facets_refresh(restore.items.values_list("account_id", flat=True).distinct())
    restore.refresh_from_db()
    return restore


def _run_accounts(fence: RunFence) -> str:
    stop_reason = ""
    for account in bulk_restore_accounts(fence.deletion):
        items = fence.deletion.items.filter(account=account)
        if stop_reason:
            with fence.guard():
                _not_sent(items, stop_reason)
            continue
        try:
            _run_account(fence, account, items)
        except StopRun as exc:
            stop_reason = str(exc)
            with fence.guard():
                _not_sent(items, stop_reason)
    return stop_reason


def _run_account(fence: RunFence, account, items) -> None:
    restore = fence.deletion

    def client(purpose):
        return finerworks_client(
            purpose=purpose,
            account=account,
            acting_user=fence.acting_user,
            bulk_restore=restore,
            before_attempt=fence.check if purpose == "restore" else None,
        )

    account.refresh_from_db()
    refusal = fence.refusal(account) or account_key_refusal(
        account=account, acting_user=fence.acting_user
    )
    if not refusal and not account.is_owner and account.needs_verification:
        refusal = f"{account}: FinerWorks has not been shown to honour its key."
    key = account.account_key or None
    if refusal:
        ids = list(items.filter(outcome=Outcome.SELECTED).values_list("fulfillment_id", flat=True))
        if ids:
            restore_refusal_record(
                user=fence.acting_user, account=account, ids=ids, reason=refusal, restore=restore
            )
        with fence.guard():
            _not_sent(items, refusal)
        return
    # What a dead run sent is settled first, by listing: never sent again.
    if items.filter(outcome__in=IN_FLIGHT).exists():
        verify_saved(fence, account, items, client("restore_verify"), key)
    if not items.filter(outcome=Outcome.SELECTED).exists():
        return
    try:
        # What FinerWorks lists before the first save: an answer that names no id can
        # later only be matched with an order that was not there yet (restore_verify).
        listed_before(fence, account, client("restore_verify"), key)
    except FinerWorksError as exc:
        with fence.guard():
            _not_sent(items, f"FinerWorks could not be listed before saving: {explain(exc)}")
        return
    try:
        send_account(fence, account, items, client("restore"), key)
    finally:
        if not fence.superseded:
            verify_saved(fence, account, items, client("restore_verify"), key)
