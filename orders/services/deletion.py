"""Delete pending orders at FinerWorks: freeze, confirm, then per account pre-flight,
send in chunks and verify by re-listing. Only verified disappearance marks an order deleted.

FinerWorks' delete answer carries no per-id result and an unauthorised account_key is
silently ignored (see shared/reference/finerworks-api.md sections 5.2 and 7), hence the
re-listing around every send and the refusal to send any key the user is not granted.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import ngettext

from orders.finerworks.errors import (
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    RateLimited,
    RequestRejected,
)
from orders.models import BulkDeletion, BulkDeletionItem, FinerWorksAccount, PendingOrder
from orders.permissions import user_can_delete_at_finerworks, user_may_act_for
from orders.selectors import pending_orders_for_user

from .advice import explain
from .audit import finerworks_call_refusal_record, finerworks_client

Outcome = BulkDeletionItem.Outcome
# Ids per list_pending_orders call when checking before and after sending.
LIST_CHUNK = 500


@dataclass
class DeletionTotals:
    by_outcome: dict = field(default_factory=dict)
    by_account: dict = field(default_factory=dict)  # account name -> {outcome: n}

    def count(self, *outcomes) -> int:
        return sum(self.by_outcome.get(o, 0) for o in outcomes)

    @property
    def account_rows(self) -> list[tuple[str, list[tuple[str, str, int]]]]:
        """[(account, [(outcome code, words, count), ...]), ...] for templates."""
        rows = []
        for account, outcomes in self.by_account.items():
            words = [(code, _words(code), n) for code, n in outcomes.items()]
            rows.append((account, words))
        return rows


def _words(code: str) -> str:
    label = str(Outcome(code).label)
    return label[0].lower() + label[1:]


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def bulk_deletion_create(
    *,
    user,
    orders: QuerySet[PendingOrder],
    via: str = "dashboard",
    scope_description: str = "",
    by_filter: bool = False,
) -> BulkDeletion:
    """Freeze the user's selection into a deletion awaiting confirmation. Sends nothing.

    The selection is re-scoped here: orders outside the user's accounts or no longer
    pending drop out, whatever the caller passed.
    """
    if not user_can_delete_at_finerworks(user):
        raise PermissionDenied("You may not delete orders at FinerWorks.")
    scoped = pending_orders_for_user(user).filter(
        state=PendingOrder.State.PENDING, pk__in=orders.values("pk")
    )
    rows = list(scoped.values_list("pk", "account_id", "fulfillment_id"))
    if not rows:
        raise ValidationError("No pending orders were selected.")
    with transaction.atomic():
        deletion = BulkDeletion.objects.create(
            created_by=user,
            created_by_username=user.get_username(),
            via=via,
            scope_description=scope_description,
            by_filter=by_filter,
        )
        BulkDeletionItem.objects.bulk_create(
            [
                BulkDeletionItem(
                    deletion=deletion, order_id=pk, account_id=acct, fulfillment_id=fid
                )
                for pk, acct, fid in rows
            ],
            batch_size=1000,
        )
    return deletion


def bulk_deletion_accounts(deletion: BulkDeletion) -> list[FinerWorksAccount]:
    ids = deletion.items.values("account_id")
    return list(FinerWorksAccount.objects.filter(pk__in=ids).order_by("name"))


def bulk_deletion_confirm(
    *,
    deletion: BulkDeletion,
    user,
    unverified_accounts_acknowledged: bool = False,
    reason: str = "",
) -> bool:
    """Start the deletion once: claim its orders so no other deletion sends them.

    Returns False when it was already confirmed (a double submit runs nothing twice).
    """
    if deletion.created_by_id != user.pk or not user_can_delete_at_finerworks(user):
        raise PermissionDenied("Only the person who prepared this deletion may confirm it.")
    accounts = bulk_deletion_accounts(deletion)
    forbidden = [a for a in accounts if not user_may_act_for(user, a)]
    for account in forbidden:
        finerworks_call_refusal_record(
            endpoint="delete_pending_orders",
            purpose="delete",
            account=account,
            acting_user=user,
            reason=f"{user} is not granted the FinerWorks account {account}.",
            ids=list(
                deletion.items.filter(account=account).values_list("fulfillment_id", flat=True)
            ),
            bulk_deletion=deletion,
        )
    if forbidden:
        names = ", ".join(a.name for a in forbidden)
        raise PermissionDenied(f"You may no longer act for {names}; nothing was sent.")
    unverified = [a.name for a in accounts if a.needs_verification]
    if unverified and not unverified_accounts_acknowledged:
        raise ValidationError(
            "FinerWorks has not been shown to honour the account key of "
            + ", ".join(unverified)
            + ". Tick the box to confirm you want to delete for it anyway."
        )
    now = timezone.now()
    with transaction.atomic():
        started = BulkDeletion.objects.filter(
            pk=deletion.pk, state=BulkDeletion.State.AWAITING
        ).update(state=BulkDeletion.State.QUEUED, confirmed_at=now, reason=reason)
        if not started:
            return False
        # A conditional update is the claim: of two overlapping deletions only one wins a row.
        PendingOrder.objects.filter(
            pk__in=deletion.items.values("order_id"),
            state=PendingOrder.State.PENDING,
            claimed_by__isnull=True,
        ).update(claimed_by=deletion)
        lost = deletion.items.exclude(order__claimed_by=deletion).values_list(
            "pk", "order__state", "order__claimed_by__created_by_username"
        )
        by_note = defaultdict(list)
        for pk, state, holder in lost:
            if holder:
                by_note[(Outcome.CLAIMED, f"Already being deleted by {holder}.")].append(pk)
            else:
                note = f"No longer pending in the mirror ({state})."
                by_note[(Outcome.NOT_SENT, note)].append(pk)
        for (outcome, note), pks in by_note.items():
            for chunk in _chunks(pks, 1000):
                BulkDeletionItem.objects.filter(pk__in=chunk).update(outcome=outcome, note=note)
    deletion.refresh_from_db()
    return True


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
        _settle(deletion.items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, str(exc))
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
            _settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, stop_reason)
            continue
        try:
            _run_account(deletion, account, items, acting_user)
        except _StopRun as exc:
            stop_reason = str(exc)
            _settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, stop_reason)
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
        finerworks_call_refusal_record(
            endpoint="delete_pending_orders",
            purpose="delete",
            account=account,
            acting_user=acting_user,
            reason=reason,
            ids=list(selected.values_list("fulfillment_id", flat=True)),
            bulk_deletion=deletion,
        )
        _settle(selected, Outcome.NOT_SENT, reason)
        return

    # A previous run may have died after sending: verify those before anything else. What
    # FinerWorks still lists was never applied, so it goes back to be sent once more.
    _verify(deletion, account, items, client("verify"), key, acting_user, resume=True)

    to_check = sorted(
        items.filter(outcome=Outcome.SELECTED).values_list("fulfillment_id", flat=True)
    )
    if not to_check:
        return
    if _cancelled(deletion):
        _settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, "Cancelled.")
        return
    try:
        listed = _listed(client("preflight"), to_check, key)
    except CredentialsRejected as exc:
        raise _StopRun(explain(exc)) from exc
    except FinerWorksError as exc:
        _settle(
            items.filter(outcome=Outcome.SELECTED),
            Outcome.NOT_SENT,
            f"Pre-flight check failed, nothing sent for this account: {explain(exc)}",
        )
        return
    gone = [fid for fid in to_check if fid not in listed]
    for chunk in _chunks(gone, 1000):
        _mark_orders_gone(items.filter(fulfillment_id__in=chunk))

    try:
        _send_chunks(deletion, items, sorted(listed), client("delete"), key)
    finally:
        # Also when the run stops: chunks already sent must be settled, not left in flight.
        _verify(deletion, account, items, client("verify"), key, acting_user)


def _send_chunks(deletion, items, fids: list[int], delete_client, key) -> None:
    for chunk in _chunks(fids, settings.FINERWORKS_DELETE_BATCH_SIZE):
        if _cancelled(deletion):
            _settle(items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, "Cancelled.")
            break
        chunk_items = items.filter(fulfillment_id__in=chunk)
        # Marked before sending: if this process dies, the next run verifies, not resends.
        chunk_items.update(outcome=Outcome.SENDING, note="")
        try:
            delete_client.delete_pending_orders(chunk, account_key=key)
        except CredentialsRejected as exc:
            _settle(chunk_items, Outcome.REJECTED, explain(exc))
            raise _StopRun(explain(exc)) from exc
        except (ConnectionFailed, RateLimited) as exc:
            # Nothing was processed; FinerWorks is out of reach, so stop instead of hammering.
            _settle(chunk_items, Outcome.NOT_SENT, explain(exc))
            raise _StopRun(explain(exc)) from exc
        except RequestRejected as exc:
            _settle(chunk_items, Outcome.REJECTED, explain(exc))
        except FinerWorksError as exc:
            # Outcome unknown (timeout, 5xx, unreadable answer): verification decides; the
            # note keeps what went wrong for the staff reading the result.
            chunk_items.update(note=f"The delete call failed: {exc}"[:400])


def _cancelled(deletion: BulkDeletion) -> bool:
    """Between chunks: note the worker is alive, and see whether staff asked to stop."""
    BulkDeletion.objects.filter(pk=deletion.pk).update(heartbeat_at=timezone.now())
    deletion.cancel_requested = BulkDeletion.objects.filter(
        pk=deletion.pk, cancel_requested=True
    ).exists()
    return deletion.cancel_requested


def _listed(client, fids: list[int], key) -> set[int]:
    listed = set()
    for chunk in _chunks(fids, LIST_CHUNK):
        response = client.list_pending_orders(ids=chunk, account_key=key)
        for record in response.orders:
            try:
                listed.add(int(record["fulfillment_id"]))
            except (KeyError, TypeError, ValueError):
                continue
    return listed


def _verify(deletion, account, items, client, key, acting_user, resume=False) -> None:
    sent = items.filter(outcome=Outcome.SENDING)
    fids = sorted(sent.values_list("fulfillment_id", flat=True))
    if not fids:
        return
    try:
        listed = _listed(client, fids, key)
    except FinerWorksError as exc:
        _settle(
            sent,
            Outcome.UNVERIFIED,
            f"Sent, but FinerWorks could not be re-listed to check ({exc}). Refresh from "
            "FinerWorks to see whether these orders are gone.",
        )
        return
    still = [fid for fid in fids if fid in listed]
    deleted = [fid for fid in fids if fid not in listed]
    for chunk in _chunks(still, 1000):
        chunk_items = items.filter(fulfillment_id__in=chunk)
        if resume:
            _settle(chunk_items, Outcome.SELECTED, "")
            continue
        chunk_items.filter(note="").update(
            outcome=Outcome.STILL_PENDING,
            note="FinerWorks accepted the delete but still lists this order.",
        )
        chunk_items.exclude(note="").update(
            outcome=Outcome.STILL_PENDING,
            note=Concat(Value("Not deleted: FinerWorks still lists it. "), F("note")),
        )
    now = timezone.now()
    for chunk in _chunks(deleted, 1000):
        chunk_items = items.filter(fulfillment_id__in=chunk)
        PendingOrder.objects.filter(pk__in=chunk_items.values("order_id")).update(
            state=PendingOrder.State.DELETED,
            state_changed_at=now,
            deleted_by=acting_user if acting_user and acting_user.is_authenticated else None,
            deleted_by_username=acting_user.get_username() if acting_user else "",
            deleted_by_deletion=deletion,
        )
        _settle(chunk_items, Outcome.DELETED, "")


def _mark_orders_gone(items) -> None:
    PendingOrder.objects.filter(
        pk__in=items.values("order_id"), state=PendingOrder.State.PENDING
    ).update(state=PendingOrder.State.GONE, state_changed_at=timezone.now())
    _settle(items, Outcome.ALREADY_GONE, "FinerWorks no longer listed it; nothing sent.")


def _settle(items, outcome: str, note: str) -> None:
    items.update(outcome=outcome, note=note[:500])


def bulk_deletion_totals(deletion: BulkDeletion) -> DeletionTotals:
    totals = DeletionTotals()
    rows = deletion.items.values("account__name", "outcome").annotate(n=Count("pk"))
    for row in rows:
        outcome, n = row["outcome"], row["n"]
        totals.by_outcome[outcome] = totals.by_outcome.get(outcome, 0) + n
        totals.by_account.setdefault(row["account__name"], {})[outcome] = n
    return totals


STUCK_AFTER = timedelta(minutes=2)


def bulk_deletion_cancel(*, deletion: BulkDeletion, user) -> str:
    """Stop a deletion: at once if nothing runs yet, else between chunks. Sends nothing."""
    if deletion.created_by_id != user.pk and not user.is_superuser:
        raise PermissionDenied("Only the person who started this deletion may cancel it.")
    with transaction.atomic():
        stopped = BulkDeletion.objects.filter(
            pk=deletion.pk, state__in=[BulkDeletion.State.AWAITING, BulkDeletion.State.QUEUED]
        ).update(state=BulkDeletion.State.CANCELLED, finished_at=timezone.now())
        if stopped:
            _settle(deletion.items.filter(outcome=Outcome.SELECTED), Outcome.NOT_SENT, "Cancelled.")
            PendingOrder.objects.filter(claimed_by=deletion).update(claimed_by=None)
            return "Cancelled before anything was sent."
        if BulkDeletion.objects.filter(pk=deletion.pk, state=BulkDeletion.State.RUNNING).update(
            cancel_requested=True
        ):
            return "Cancelling: the chunk in flight finishes and is verified, nothing more is sent."
    return "This deletion has already ended."


def bulk_deletion_requeue(*, deletion: BulkDeletion, force: bool = False) -> None:
    """Put a stuck or failed deletion back in the queue; its run verifies before resending.

    A running deletion counts as stuck once its worker has shown no sign of life for
    STUCK_AFTER (force skips that check: only when the worker is known to be dead).
    """
    deletion.refresh_from_db()
    State = BulkDeletion.State
    stale = deletion.heartbeat_at is None or deletion.heartbeat_at < timezone.now() - STUCK_AFTER
    if deletion.state == State.RUNNING and not (stale or force):
        raise ValidationError(
            f"Deletion #{deletion.pk} is running (last sign of life {deletion.heartbeat_at})."
        )
    if deletion.state not in (State.RUNNING, State.FAILED, State.QUEUED):
        raise ValidationError(f"Deletion #{deletion.pk} is {deletion.get_state_display()}.")
    open_items = deletion.items.filter(outcome__in=[Outcome.SELECTED, Outcome.SENDING])
    with transaction.atomic():
        PendingOrder.objects.filter(
            pk__in=open_items.values("order_id"), claimed_by__isnull=True
        ).update(claimed_by=deletion)
        BulkDeletion.objects.filter(pk=deletion.pk).update(
            state=State.QUEUED, error_message="", finished_at=None
        )
    deletion.refresh_from_db()


def bulk_deletion_progress(deletion: BulkDeletion) -> dict:
    """What the progress bar shows: settled orders and delete calls so far."""
    totals = bulk_deletion_totals(deletion)
    total = sum(totals.by_outcome.values())
    open_count = totals.count(Outcome.SELECTED, Outcome.SENDING)
    waiting = (
        deletion.state == BulkDeletion.State.QUEUED
        and deletion.confirmed_at is not None
        and timezone.now() - deletion.confirmed_at > timedelta(seconds=5)
    )
    return {
        "id": deletion.pk,
        "state": deletion.state,
        "state_label": deletion.get_state_display(),
        "done": deletion.is_done,
        "total": total,
        "settled": total - open_count,
        "percent": 100 if not total else round(100 * (total - open_count) / total),
        "delete_calls": deletion.calls.filter(purpose="delete").count(),
        "outcomes": totals.by_outcome,
        "waiting_for_worker": waiting,
        "error": deletion.error_message,
    }


def bulk_deletion_report(deletion: BulkDeletion) -> list[tuple[int, str]]:
    """(message level, sentence) pairs that tell staff how a deletion ended, per account."""
    totals = bulk_deletion_totals(deletion)

    def accounts(*outcomes) -> str:
        names = [a for a, o in totals.by_account.items() if any(o.get(x) for x in outcomes)]
        return ", ".join(sorted(names))

    failed = (Outcome.REJECTED, Outcome.UNVERIFIED, Outcome.NOT_SENT, Outcome.CLAIMED)
    lines = [
        (
            messages.SUCCESS,
            (Outcome.DELETED,),
            ngettext(
                "%(n)d order deleted at FinerWorks (verified).",
                "%(n)d orders deleted at FinerWorks (verified).",
                totals.count(Outcome.DELETED),
            ),
        ),
        (
            messages.INFO,
            (Outcome.ALREADY_GONE,),
            ngettext(
                "%(n)d order was already gone at FinerWorks; nothing was sent.",
                "%(n)d orders were already gone at FinerWorks; nothing was sent.",
                totals.count(Outcome.ALREADY_GONE),
            ),
        ),
        (
            messages.WARNING,
            (Outcome.STILL_PENDING,),
            ngettext(
                "%(n)d order is still pending at FinerWorks after the delete.",
                "%(n)d orders are still pending at FinerWorks after the delete.",
                totals.count(Outcome.STILL_PENDING),
            ),
        ),
        (
            messages.ERROR,
            failed,
            ngettext(
                "%(n)d order was not deleted; see each order's reason.",
                "%(n)d orders were not deleted; see each order's reason.",
                totals.count(*failed),
            ),
        ),
    ]
    report = []
    for level, outcomes, text in lines:
        if n := totals.count(*outcomes):
            report.append((level, f"{text % {'n': n}} Accounts: {accounts(*outcomes)}."))
    if deletion.error_message:
        report.append((messages.ERROR, deletion.error_message))
    return report
