"""Check with FinerWorks which orders it still lists, before and after sending.

The delete answer has no per-id result (docs/finerworks-api.md, "Deleting"), so only an
order a complete, readable list answer no longer shows is marked deleted.
"""

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from orders.deletion_states import items_move
from orders.finerworks.errors import FinerWorksError
from orders.models import BulkDeletionItem, PendingOrder

from .deletion import chunked
from .last_seen import last_seen_kept

Outcome = BulkDeletionItem.Outcome
# Ids per list_pending_orders call of a pre-flight. FinerWorks documents no maximum; 1000
# halves the round trips (and audit rows) of 500 for answers of about 1 MB. A failed list
# call leaves ids unsent (pre-flight) or unverified, never deleted.
LIST_CHUNK = 1000


class ItemIndex:
    """A run's items of one account by FinerWorks id: (item pk, order pk) for each.

    Updates name items and orders by primary key: the planner cannot pick a poor index
    for them, whatever the state of the freshly written rows' statistics.
    """

    def __init__(self, rows):
        self.by_fid = {fid: (pk, order_pk) for pk, order_pk, fid in rows}

    def fids(self) -> list[int]:
        return sorted(self.by_fid)

    def items(self, fids) -> QuerySet[BulkDeletionItem]:
        return BulkDeletionItem.objects.filter(pk__in=[self.by_fid[f][0] for f in fids])

    def orders(self, fids) -> QuerySet[PendingOrder]:
        return PendingOrder.objects.filter(pk__in=[self.by_fid[f][1] for f in fids])


def items_with(items, outcome: str) -> ItemIndex:
    return ItemIndex(items.filter(outcome=outcome).values_list("pk", "order_id", "fulfillment_id"))


class Listing:
    """The ids FinerWorks lists of those asked, and the most it listed in one answer: a
    later verification asks no more per call, so a fixed cap on FinerWorks' side (none is
    documented) cannot cut a verification answer short unnoticed."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.largest_answer = 0


def listed_ids(fence, client, fids: list[int], key, chunk_size: int | None = None) -> Listing:
    listing = Listing()
    for chunk in chunked(fids, max(1, chunk_size or LIST_CHUNK)):
        # A long pre-flight or verification is a sign of life too (see bulk_deletion_requeue).
        with fence.guard():
            pass
        response = client.list_pending_orders(ids=chunk, account_key=key)
        asked = set(chunk)
        answer = {order.fulfillment_id for order in response.listed_orders}
        listing.largest_answer = max(listing.largest_answer, len(answer))
        # Only ids asked about count: one FinerWorks lists unasked is never acted on.
        listing.ids.update(answer & asked)
    return listing


def verify_sent(fence, items, client, key, chunk_size: int, resume=False) -> None:
    """Settle the items in flight by re-listing them: gone = deleted, listed = still
    pending (or, resuming a run that died, back to be sent, as it was never applied)."""
    sent = items_with(items, Outcome.SENDING)
    fids = sent.fids()
    if not fids:
        return
    fence.progress(phase="verifying")
    try:
        listed = listed_ids(fence, client, fids, key, chunk_size).ids
    except FinerWorksError as exc:
        with fence.guard():
            items_move(
                items,
                sources=[Outcome.SENDING],
                target=Outcome.UNVERIFIED,
                note=f"Sent, but FinerWorks could not be re-listed to check ({exc}). Refresh "
                "from FinerWorks to see whether these orders are gone.",
            )
        return
    still = [fid for fid in fids if fid in listed]
    for chunk in chunked(still, 1000):
        with fence.guard():
            _settle_still_listed(sent.items(chunk), resume)
    deleted = [fid for fid in fids if fid not in listed]
    for chunk in chunked(deleted, 1000):
        with fence.guard():
            _settle_deleted(fence, sent, chunk)


def _settle_still_listed(chunk_items, resume: bool) -> None:
    sending = [Outcome.SENDING]
    if resume:
        items_move(chunk_items, sources=sending, target=Outcome.SELECTED, note="")
        return
    items_move(
        chunk_items.filter(note=""),
        sources=sending,
        target=Outcome.STILL_PENDING,
        note="FinerWorks accepted the delete but still lists this order.",
    )
    items_move(
        chunk_items.exclude(note=""),
        sources=sending,
        target=Outcome.STILL_PENDING,
        note=Concat(Value("Not deleted: FinerWorks still lists it. "), F("note")),
    )


def _settle_deleted(fence, sent: ItemIndex, chunk: list[int]) -> None:
    user = fence.acting_user
    # A deleted order cannot be claimed again (claims need "pending"), so the claim is
    # released in the same write instead of rewriting every row once more at the end.
    # Only orders still pending: one another deletion already settled keeps its record.
    sent.orders(chunk).filter(state=PendingOrder.State.PENDING).update(
        state=PendingOrder.State.DELETED,
        state_changed_at=timezone.now(),
        last_seen_at=last_seen_kept(),
        deleted_by=user if user is not None and user.is_authenticated else None,
        deleted_by_username=user.get_username() if user is not None else "",
        deleted_by_deletion=fence.deletion,
        claimed_by=None,
        warning="",
    )
    items_move(sent.items(chunk), sources=[Outcome.SENDING], target=Outcome.DELETED, note="")


def mark_orders_gone(fence, selected: ItemIndex, fids: list[int]) -> None:
    with fence.guard():
        # Released here too, like deleted orders: only pending orders can be claimed.
        selected.orders(fids).filter(state=PendingOrder.State.PENDING).update(
            state=PendingOrder.State.GONE,
            state_changed_at=timezone.now(),
            last_seen_at=last_seen_kept(),
            claimed_by=None,
        )
        items_move(
            selected.items(fids),
            sources=[Outcome.SELECTED],
            target=Outcome.ALREADY_GONE,
            note="FinerWorks no longer listed it; nothing sent.",
        )
