"""One account's saves of a restore: chunks of one `source` each, every chunk marked
"saving" before it goes, each answer read for the new ids it gives."""

from itertools import groupby

from django.conf import settings
from django.utils import timezone

from orders.finerworks.errors import (
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    RateLimited,
    RequestRejected,
)
from orders.finerworks.payloads import save_payload
from orders.models import BulkRestoreItem, PendingOrder
from orders.restore_states import restore_items_move

from .advice import explain
from .deletion import chunked
from .deletion_fence import CancelRequested
from .deletion_send import StopRun
from .restore_payload import restore_payload, restore_source
from .restore_start import restore_refusal_record

Outcome = BulkRestoreItem.Outcome
LISTED_AGAIN = "FinerWorks lists it again (a sync found it pending): not restored."


def send_account(fence, account, items, client, key) -> None:
    """Save the account's selected orders; StopRun when nothing more can get through."""
    selected = items.filter(outcome=Outcome.SELECTED).select_related("order", "account")
    selected = selected.order_by("pk")
    by_source = sorted(selected, key=lambda item: (restore_source(item.order.raw), item.pk))
    for source, group in groupby(by_source, key=lambda item: restore_source(item.order.raw)):
        for chunk in chunked(list(group), settings.FWADMIN_RESTORE_BATCH_SIZE):
            # Read fresh before each call: a permission or grant revoked mid-run counts.
            if reason := fence.refusal(account):
                with fence.guard():
                    _move(items, [Outcome.SELECTED], Outcome.NOT_SENT, reason)
                return
            try:
                _send_chunk(fence, client, key, chunk, source)
            except CancelRequested:
                with fence.guard():
                    _move(items, [Outcome.SELECTED], Outcome.NOT_SENT, "Cancelled.")
                return


def _rows(items: list[BulkRestoreItem]):
    return BulkRestoreItem.objects.filter(pk__in=[item.pk for item in items])


def _move(rows, sources, target, note, **values) -> int:
    return restore_items_move(rows, sources=sources, target=target, note=note, **values)


def _mark_saving(fence, pending: list[BulkRestoreItem]) -> list[BulkRestoreItem]:
    """Mark the chunk "saving" before it goes; the items actually moved (an order a sync
    found listed again since is pending: it is not restored)."""
    rows = _rows(pending)
    with fence.guard(unless_cancelled=True, phase="saving"):
        revived = rows.exclude(order__state=PendingOrder.State.DELETED)
        _move(revived, [Outcome.SELECTED], Outcome.NOT_SENT, LISTED_AGAIN)
        # Marked before sending: if this process dies, the next run lists, not resends.
        _move(rows, [Outcome.SELECTED], Outcome.SAVING, "", sent_at=timezone.now())
        moved = set(
            rows.filter(outcome=Outcome.SAVING, sent_at__isnull=False).values_list("pk", flat=True)
        )
    return [item for item in pending if item.pk in moved]


def _send_chunk(fence, client, key, chunk: list[BulkRestoreItem], source: str) -> None:
    pending = _mark_saving(fence, chunk)
    while pending:
        orders = [restore_payload(item.order.raw) for item in pending]
        try:  # the client's own checks, here: a ValueError later may come after the send
            save_payload(orders, source, key)
        except ValueError as exc:  # fwadmin would not send it
            _not_sendable(fence, pending, exc)
            return
        try:
            response = client.save_pending_orders(orders, source=source, account_key=key)
        except RequestRejected as exc:
            if exc.http_status is not None and exc.http_status < 300:
                # "success: false" with HTTP 200 does not say nothing was saved: unknown.
                _note_unknown(fence, pending, exc)
                return
            # A 400 is FinerWorks' validation: nothing of the call was saved.
            pending = _rejected(fence, pending, exc)
            if pending:
                pending = _mark_saving(fence, pending)
            continue
        except (CredentialsRejected, ConnectionFailed) as exc:
            # Nothing was saved: the credentials were refused, or nothing got through.
            with fence.guard():
                _move(_rows(pending), [Outcome.SAVING], Outcome.SELECTED, "")
                _move(_rows(pending), [Outcome.SELECTED], Outcome.NOT_SENT, explain(exc))
            raise StopRun(explain(exc)) from exc
        except FinerWorksError as exc:
            # Outcome unknown (5xx, timeout, unreadable answer): listing decides, and no
            # order of this call is ever sent again on a guess.
            _note_unknown(fence, pending, exc)
            if isinstance(exc, RateLimited):
                raise StopRun(explain(exc)) from exc
            return
        except Exception as exc:
            # Anything else once the call may have gone (the audit write, say): unknown,
            # left "saving" for the listing, and the run stops.
            _note_unknown(fence, pending, exc)
            raise
        _note_new_ids(fence, pending, orders, response)
        return


def _note_unknown(fence, pending, exc) -> None:
    with fence.guard():
        _rows(pending).filter(outcome=Outcome.SAVING).update(
            note=f"The save call failed: {exc}"[:400]
        )


def _not_sendable(fence, pending, exc: ValueError) -> None:
    """Nothing was sent: settle the items (rejected, audited) instead of leaving them."""
    reason = f"fwadmin could not send it: {exc}"
    with fence.guard():
        _move(_rows(pending), [Outcome.SAVING], Outcome.SELECTED, "")
        _move(_rows(pending), [Outcome.SELECTED], Outcome.NOT_SENT, reason)
    for item in pending:
        restore_refusal_record(
            user=fence.acting_user,
            account=item.account,
            ids=[item.fulfillment_id],
            reason=reason,
            restore=fence.deletion,
        )


def _rejected(fence, pending: list[BulkRestoreItem], exc: RequestRejected):
    """Settle the orders a 400 named; the rest go back to be sent in a call of their own
    (a rejected request saves nothing). Unnamed: the whole call is rejected."""
    named = {i: why for i, why in exc.rejected_orders.items() if 0 <= i < len(pending)}
    with fence.guard():
        if not named:
            _move(_rows(pending), [Outcome.SAVING], Outcome.REJECTED, explain(exc))
            return []
        for index, why in named.items():
            note = f"FinerWorks refused it: {why}"
            _move(_rows([pending[index]]), [Outcome.SAVING], Outcome.REJECTED, note)
        rest = [item for i, item in enumerate(pending) if i not in named]
        _move(_rows(rest), [Outcome.SAVING], Outcome.SELECTED, "")
    return rest


def _note_new_ids(fence, pending, orders, response) -> None:
    """The ids the answer gives, by position; verification lists them before anything is
    called restored. A PO that does not match its order makes the whole answer doubtful."""
    saved = response.saved
    sent_pos = [str(order.get("order_po") or "") for order in orders]
    own_pos = [str(item.order.raw.get("order_po") or "") for item in pending]
    if len(saved) != len(pending) or any(
        s.order_po and s.order_po not in (sent, own)
        for s, sent, own in zip(saved, sent_pos, own_pos, strict=True)
    ):
        with fence.guard():
            _rows(pending).update(note="FinerWorks' answer did not match the orders sent.")
        return
    with fence.guard():
        for item, entry in zip(pending, saved, strict=True):
            BulkRestoreItem.objects.filter(pk=item.pk, outcome=Outcome.SAVING).update(
                new_fulfillment_id=entry.fulfillment_id
            )
