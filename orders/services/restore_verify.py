"""Check with FinerWorks what a restore's saves created: only an order a complete, readable
listing shows for its account (and, for a delegated key, the owner does not) is restored.
A save whose answer gave no id is looked for in the account's whole listing."""

import orjson
from django.db.models import Min
from django.utils import timezone

from orders.finerworks.errors import FinerWorksError
from orders.models import BulkRestoreItem, PendingOrder
from orders.restore_states import restore_items_move

from .accounts import accounts_mark_not_honoured
from .deletion import chunked
from .deletion_verify import LIST_CHUNK
from .restore_payload import restore_fingerprint
from .sync_snapshot import mirrored_fields, record_hash

Outcome = BulkRestoreItem.Outcome
IN_FLIGHT = [Outcome.SAVING, Outcome.UNVERIFIED]


def verify_saved(fence, account, items, client, key) -> None:
    """Settle every item in flight: by its new id, or (no id known) by a whole listing."""
    fence.progress(phase="verifying")
    in_flight = items.filter(outcome__in=IN_FLIGHT)
    if in_flight.filter(new_fulfillment_id__isnull=True).exists():
        _find_by_listing(
            fence, account, in_flight.filter(new_fulfillment_id__isnull=True), client, key
        )
    with_id = list(in_flight.filter(new_fulfillment_id__isnull=False).select_related("order"))
    if with_id:
        _verify_ids(fence, account, with_id, client, key)


def _listed(client, fids, key) -> dict[int, bytes]:
    """The records FinerWorks lists of `fids` (asked in chunks), by id."""
    found = {}
    for chunk in chunked(sorted(fids), LIST_CHUNK):
        response = client.list_pending_orders(ids=chunk, account_key=key)
        asked = set(chunk)
        for order in response.listed_orders:
            if order.fulfillment_id in asked and not order.problem:
                found[order.fulfillment_id] = order.record_json
    return found


def _unsettled(fence, rows, note: str) -> None:
    with fence.guard():
        restore_items_move(rows, sources=[Outcome.SAVING], target=Outcome.UNVERIFIED, note=note)
        rows.filter(outcome=Outcome.UNVERIFIED).update(note=note[:500])


def _verify_ids(fence, account, items: list[BulkRestoreItem], client, key) -> None:
    by_new = {item.new_fulfillment_id: item for item in items}
    rows = BulkRestoreItem.objects.filter(pk__in=[item.pk for item in items])
    try:
        listed = _listed(client, by_new, key)
        # Ids are global: if the owner lists them too, the key was ignored (invariant 2).
        owner = set(_listed(client, listed, None)) if key and listed else set()
    except FinerWorksError as exc:
        _unsettled(
            fence,
            rows,
            f"Saved, but FinerWorks could not be listed to check ({exc}). "
            "Not sent again; requeue the restore to check again.",
        )
        return
    if owner:
        accounts_mark_not_honoured([account.pk], owner)
    for new_id, item in by_new.items():
        one = BulkRestoreItem.objects.filter(pk=item.pk)
        if new_id in owner:
            note = (
                f"FinerWorks saved it as #{new_id} in the owner account: it ignored the "
                f"key of {account}. Check that order at FinerWorks."
            )
            with fence.guard():
                restore_items_move(one, sources=IN_FLIGHT, target=Outcome.WRONG_ACCOUNT, note=note)
        elif new_id in listed:
            with fence.guard():
                _mirror_restored(account, item, listed[new_id])
        else:
            _unsettled(
                fence,
                one,
                f"FinerWorks answered that it saved it as #{new_id}, but "
                "does not list that id. Not sent again.",
            )


def _mirror_restored(account, item: BulkRestoreItem, record_json: bytes) -> None:
    record = orjson.loads(record_json)
    now = timezone.now()
    new_order, created = PendingOrder.objects.get_or_create(
        account=account,
        fulfillment_id=item.new_fulfillment_id,
        defaults={
            "raw": record,
            "raw_hash": record_hash(record),
            "first_seen_at": now,
            "last_seen_at": now,
            "state_changed_at": now,
            "restored_from": item.order,
            **mirrored_fields(record),
        },
    )
    if not created:  # a sync mirrored it first
        PendingOrder.objects.filter(pk=new_order.pk).update(restored_from=item.order)
    restore_items_move(
        BulkRestoreItem.objects.filter(pk=item.pk),
        sources=IN_FLIGHT,
        target=Outcome.RESTORED,
        note="",
        new_order=new_order,
    )


def _find_by_listing(fence, account, rows, client, key) -> None:
    """The answer gave no id: look for each order among the account's listed ones that
    fwadmin did not know before the save and no other restore took, by content."""
    since = rows.aggregate(first=Min("sent_at"))["first"] or timezone.now()
    try:
        response = client.list_pending_orders(account_key=key)
        listed = [
            (o.fulfillment_id, o.record_json) for o in response.listed_orders if not o.problem
        ]
    except FinerWorksError as exc:
        _unsettled(
            fence,
            rows,
            f"The save's outcome is unknown and FinerWorks could not be "
            f"listed to check ({exc}). Not sent again; requeue the restore to check.",
        )
        return
    known = set(
        PendingOrder.objects.filter(account=account, first_seen_at__lt=since).values_list(
            "fulfillment_id", flat=True
        )
    )
    known |= set(
        BulkRestoreItem.objects.filter(
            account=account, new_fulfillment_id__isnull=False
        ).values_list("new_fulfillment_id", flat=True)
    )
    candidates: dict[str, list[int]] = {}
    for fid, record_json in sorted(listed):
        if fid not in known:
            candidates.setdefault(restore_fingerprint(orjson.loads(record_json)), []).append(fid)
    for item in rows.select_related("order").order_by("pk"):
        found = candidates.get(restore_fingerprint(item.order.raw))
        if found:
            BulkRestoreItem.objects.filter(pk=item.pk).update(new_fulfillment_id=found.pop(0))
            continue
        with fence.guard():
            restore_items_move(
                BulkRestoreItem.objects.filter(pk=item.pk),
                sources=IN_FLIGHT,
                target=Outcome.NOT_SAVED,
                note=_not_saved_note(item),
            )


def _not_saved_note(item: BulkRestoreItem) -> str:
    note = f"{item.note} FinerWorks does not list it since, so it was not saved.".strip()
    if "'" in orjson.dumps(item.order.raw).decode():
        note += (
            " Its text holds an apostrophe, which FinerWorks' save is known to fail on "
            "(an HTTP 500): see FWADMIN_RESTORE_DOUBLE_APOSTROPHES in the README."
        )
    return note
