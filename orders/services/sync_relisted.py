"""The safety net: an order fwadmin verified deleted that a later sync still finds listed.

Only a snapshot listed after the order was marked deleted revives it (the upsert re-checks
that at write time), so this is FinerWorks contradicting a verification, never a race. The
order goes back to pending with a warning, its deletion's item says so too, and the
finding is audited.
"""

from collections import defaultdict

from orders.deletion_states import ItemOutcome, items_move
from orders.models import BulkDeletionItem, PendingOrder

from .audit import finerworks_finding_record


def _warning(deletion_id) -> str:
    return (
        f"FinerWorks still lists this order after deletion #{deletion_id} reported it "
        "deleted. Check it at FinerWorks before deleting it again."
    )


CHUNK = 1000


def _flag(deletion_id, pks: list[int]) -> None:
    PendingOrder.objects.filter(pk__in=pks).update(warning=_warning(deletion_id))
    if deletion_id is not None:
        items_move(
            BulkDeletionItem.objects.filter(deletion_id=deletion_id, order_id__in=pks),
            sources=[ItemOutcome.DELETED],
            target=ItemOutcome.STILL_PENDING,
            note=_warning(deletion_id).replace("this order", "it"),
        )


def orders_listed_again_flag(account, candidate_pks: list[int], now) -> int:
    """Flag the orders among `candidate_pks` the sync just put back to pending; how many."""
    by_deletion = defaultdict(list)
    for start in range(0, len(candidate_pks), CHUNK):
        revived = PendingOrder.objects.filter(
            pk__in=candidate_pks[start : start + CHUNK],
            state=PendingOrder.State.PENDING,
            state_changed_at=now,
        ).values_list("pk", "fulfillment_id", "deleted_by_deletion")
        for pk, fid, deletion_id in revived:
            by_deletion[deletion_id].append((pk, fid))
    for deletion_id, orders in by_deletion.items():
        for start in range(0, len(orders), CHUNK):
            _flag(deletion_id, [pk for pk, _ in orders[start : start + CHUNK]])
        if deletion_id is None:
            continue
        finerworks_finding_record(
            account=account,
            deletion_id=deletion_id,
            ids=[fid for _, fid in orders],
            text=(
                f"A sync found {len(orders)} order(s) still listed that deletion "
                f"#{deletion_id} had verified deleted; they are pending again."
            ),
        )
    return sum(len(orders) for orders in by_deletion.values())
