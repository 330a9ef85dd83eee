"""One account's part of a deletion run: refusals, the pre-flight listing (with the key
proven honoured) and the chunks sent, each marked "sending" before it goes."""

from django.conf import settings
from django.db.models import F

from orders.deletion_states import items_move
from orders.finerworks.errors import (
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    RateLimited,
    RequestRejected,
)
from orders.models import BulkDeletionItem

from .accounts import accounts_mark_not_honoured, finerworks_account_verify
from .advice import explain
from .deletion import chunked, delete_refusal_record
from .deletion_fence import CancelRequested, RunFence
from .deletion_verify import listed_ids

Outcome = BulkDeletionItem.Outcome
SELECTED = [Outcome.SELECTED]


class StopRun(Exception):
    """Nothing more can get through to FinerWorks in this run."""


def not_sent(fence: RunFence, items, reason: str) -> int:
    with fence.guard():
        return items_move(items, sources=SELECTED, target=Outcome.NOT_SENT, note=reason)


def refused(fence: RunFence, account, items, reason: str, *, in_flight=False) -> bool:
    """Refuse what is left for this account, audited; True if there was a refusal. With
    in_flight, orders a dead run sent are not re-listed for this user either."""
    if not reason:
        return False
    if in_flight:
        with fence.guard():
            items_move(
                items,
                sources=[Outcome.SENDING],
                target=Outcome.UNVERIFIED,
                note=f"Sent by an earlier run, not verified: {reason}",
            )
    ids = list(items.filter(outcome=Outcome.SELECTED).values_list("fulfillment_id", flat=True))
    if ids:
        delete_refusal_record(
            user=fence.acting_user,
            account=account,
            ids=ids,
            reason=reason,
            deletion=fence.deletion,
        )
    not_sent(fence, items, reason)
    return True


def preflight(fence, account, items, client, to_check, key):
    """Which of the ids FinerWorks lists for this account, or None when the account's
    key turns out to be ignored (refused and audited: nothing is sent)."""
    listing = listed_ids(fence, client, to_check, key)
    if not key:
        return listing
    if not listing.ids:
        # None of them listed with the key: really all gone, or a key FinerWorks now
        # ignores (the owner has none of them). Only a fresh check can tell.
        finerworks_account_verify(account=account, acting_user=fence.acting_user)
        Verification = type(account).Verification
        if account.verification in (Verification.NOT_HONOURED, Verification.FAILED):
            # Ignored, or not checkable now: nothing is called gone on this answer's word.
            refused(fence, account, items, f"{account}: {account.verification_note}")
            return None
        return listing
    # Fulfillment ids are global: if the owner's account lists any of them too, the key
    # was ignored and a delete would hit the owner's orders.
    owner = listed_ids(fence, client, sorted(listing.ids), None)
    if not owner.ids:
        return listing
    accounts_mark_not_honoured([account.pk], owner.ids)
    account.refresh_from_db()
    refused(fence, account, items, f"{account}: {account.verification_note}")
    return None


def send_chunks(fence, account, items, selected, fids: list[int], delete_client, key) -> None:
    for chunk in chunked(fids, settings.FINERWORKS_DELETE_BATCH_SIZE):
        if refused(fence, account, items, fence.refusal(account)):
            return
        chunk_items = selected.items(chunk)
        try:
            sent = {"phase": "sending", "chunks_sent": F("chunks_sent") + 1}
            with fence.guard(unless_cancelled=True, **sent):
                # Marked before sending: if this process dies, the next run verifies, not
                # resends. The client re-checks the token before each attempt (fence.check),
                # so only a pause of more than STUCK_AFTER right inside that check-and-send
                # can slip through.
                items_move(chunk_items, sources=SELECTED, target=Outcome.SENDING, note="")
        except CancelRequested:
            not_sent(fence, items, "Cancelled.")
            return
        try:
            delete_client.delete_pending_orders(chunk, account_key=key)
        except CredentialsRejected as exc:
            _settle_chunk(fence, chunk_items, Outcome.REJECTED, explain(exc))
            raise StopRun(explain(exc)) from exc
        except ConnectionFailed as exc:
            # Nothing was sent; FinerWorks is out of reach, so stop instead of hammering.
            _settle_chunk(fence, chunk_items, Outcome.NOT_SENT, explain(exc))
            raise StopRun(explain(exc)) from exc
        except RateLimited as exc:
            # A 429/503 may come after FinerWorks processed the delete: verification decides.
            _note_unknown(fence, chunk_items, exc)
            raise StopRun(explain(exc)) from exc
        except RequestRejected as exc:
            _settle_chunk(fence, chunk_items, Outcome.REJECTED, explain(exc))
        except FinerWorksError as exc:
            # Outcome unknown (timeout, 5xx, unreadable answer): verification decides.
            _note_unknown(fence, chunk_items, exc)


def _settle_chunk(fence, chunk_items, outcome: str, note: str) -> None:
    with fence.guard():
        items_move(chunk_items, sources=[Outcome.SENDING], target=outcome, note=note)


def _note_unknown(fence, chunk_items, exc: FinerWorksError) -> None:
    # The note keeps what went wrong for the staff reading the result.
    with fence.guard():
        chunk_items.update(note=f"The delete call failed: {exc}"[:400])
