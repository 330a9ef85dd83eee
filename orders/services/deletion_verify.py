"""Check with FinerWorks which orders it still lists, before and after sending.

The delete answer has no per-id result (shared/reference/finerworks-api.md section 5.2),
so only an order FinerWorks no longer lists when asked is marked deleted.
"""

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from orders.finerworks.errors import FinerWorksError
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder

from .deletion import chunked, settle

Outcome = BulkDeletionItem.Outcome
# Ids per list_pending_orders call when checking before and after sending. FinerWorks
# documents no maximum; 1000 halves the round trips (and audit rows) of 500 for answers of
# about 1 MB. A failed list call leaves ids unsent (pre-flight) or unverified, never deleted.
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


def listed_ids(deletion, client, fids: list[int], key) -> set[int]:
    listed = set()
    for chunk in chunked(fids, LIST_CHUNK):
        # A long pre-flight or verification is a sign of life too (see bulk_deletion_requeue).
        BulkDeletion.objects.filter(pk=deletion.pk).update(heartbeat_at=timezone.now())
        response = client.list_pending_orders(ids=chunk, account_key=key)
        # Only the ids: no record is parsed again.
        listed.update(order.order_id() for order in response.listed_orders)
    listed.discard(None)
    return listed


def verify_sent(deletion, items, client, key, acting_user, resume=False) -> None:
    sent = items_with(items, Outcome.SENDING)
    fids = sent.fids()
    if not fids:
        return
    try:
        listed = listed_ids(deletion, client, fids, key)
    except FinerWorksError as exc:
        settle(
            items.filter(outcome=Outcome.SENDING),
            Outcome.UNVERIFIED,
            f"Sent, but FinerWorks could not be re-listed to check ({exc}). Refresh from "
            "FinerWorks to see whether these orders are gone.",
        )
        return
    still = [fid for fid in fids if fid in listed]
    deleted = [fid for fid in fids if fid not in listed]
    for chunk in chunked(still, 1000):
        chunk_items = sent.items(chunk)
        if resume:
            settle(chunk_items, Outcome.SELECTED, "")
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
    user = acting_user if acting_user and acting_user.is_authenticated else None
    for chunk in chunked(deleted, 1000):
        # A deleted order cannot be claimed again (claims need "pending"), so the claim is
        # released in the same write instead of rewriting every row once more in _finish.
        sent.orders(chunk).update(
            state=PendingOrder.State.DELETED,
            state_changed_at=now,
            deleted_by=user,
            deleted_by_username=acting_user.get_username() if acting_user else "",
            deleted_by_deletion=deletion,
            claimed_by=None,
        )
        settle(sent.items(chunk), Outcome.DELETED, "")


def mark_orders_gone(selected: ItemIndex, fids: list[int]) -> None:
    # Released here too, like deleted orders: only pending orders can be claimed.
    selected.orders(fids).filter(state=PendingOrder.State.PENDING).update(
        state=PendingOrder.State.GONE, state_changed_at=timezone.now(), claimed_by=None
    )
    settle(
        selected.items(fids), Outcome.ALREADY_GONE, "FinerWorks no longer listed it; nothing sent."
    )
