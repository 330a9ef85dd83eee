"""Check with FinerWorks what a restore's saves created: only an order a complete, readable
listing shows for its account (and, for a delegated key, the owner does not) is restored.
A save whose answer gave no id is looked for in the account's whole listing."""

import re

import orjson
from django.db.models import Min
from django.utils import timezone

from orders.finerworks.errors import BadResponse, FinerWorksError
from orders.models import BulkRestoreItem, PendingOrder
from orders.restore_states import restore_items_move

from .accounts import accounts_mark_not_honoured
from .deletion import chunked
from .deletion_verify import LIST_CHUNK
from .restore_payload import restore_fingerprint, restore_same_order
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
        elif new_id in listed and not restore_same_order(
            orjson.loads(listed[new_id]), item.order.raw
        ):
            _unsettled(
                fence,
                one,
                f"FinerWorks lists #{new_id}, but not as this order (another "
                "PO or other items). Not sent again; check it at FinerWorks.",
            )
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


def listed_before(fence, account, client, key) -> None:
    """Keep the ids FinerWorks lists now that the mirror does not know (orders created
    since the last sync, e.g. an identical twin of a deleted order): never a match later."""
    restore = fence.deletion
    restore.refresh_from_db(fields=["listed_before"])
    if str(account.pk) in restore.listed_before:
        return  # taken before this restore's first save; later ones would hold its own
    response = client.list_pending_orders(account_key=key)
    if response.unreadable_records:
        # A record fwadmin cannot read could be a twin it would later take for the save.
        raise BadResponse(
            f"FinerWorks listed {len(response.unreadable_records)} unreadable record(s): "
            "fwadmin cannot tell which orders exist before saving.",
            endpoint=response.endpoint,
        )
    listed = {o.fulfillment_id for o in response.listed_orders}
    mirrored = PendingOrder.objects.filter(account=account).values_list("fulfillment_id", flat=True)
    new = listed - set(mirrored)
    with fence.guard():
        restore.listed_before[str(account.pk)] = sorted(new)
        type(restore).objects.filter(pk=restore.pk).update(listed_before=restore.listed_before)


def _find_by_listing(fence, account, rows, client, key) -> None:
    """The answer gave no id: look for each order among the account's listed ones that
    fwadmin did not know before the save and no other restore took, by content. Only a
    single, unambiguous match counts; absence proves nothing (a listing may be cut short,
    a save may land late, FinerWorks may change the text): the order stays unknown and
    claimed until a later check finds it or staff release it."""
    since = rows.aggregate(first=Min("sent_at"))["first"] or timezone.now()
    try:
        response = client.list_pending_orders(account_key=key)
        if response.unreadable_records:  # an unreadable record might be the save's twin
            raise BadResponse(
                "FinerWorks listed unreadable records: no match is safe.",
                endpoint=response.endpoint,
            )
        listed = [(o.fulfillment_id, o.record_json) for o in response.listed_orders]
    except FinerWorksError as exc:
        _unsettled(
            fence,
            rows,
            f"The save's outcome is unknown and FinerWorks could not be "
            f"listed to check ({exc}). Not sent again; press Check again later.",
        )
        return
    fence.deletion.refresh_from_db(fields=["listed_before"])
    candidates = _candidates(account, listed, since, fence.deletion)
    unknown = list(rows.select_related("order").order_by("pk"))
    wanted: dict[str, int] = {}
    for item in unknown:
        fingerprint = restore_fingerprint(item.order.raw)
        wanted[fingerprint] = wanted.get(fingerprint, 0) + 1
    for item in unknown:
        found = candidates.get(restore_fingerprint(item.order.raw), [])
        one = BulkRestoreItem.objects.filter(pk=item.pk, new_fulfillment_id__isnull=True)
        if len(found) == 1 and wanted[restore_fingerprint(item.order.raw)] == 1:
            with fence.guard():
                one.filter(outcome__in=IN_FLIGHT).update(new_fulfillment_id=found[0])
        else:
            _unsettled(fence, one, _unknown_note(item, len(found)))


def _candidates(account, listed, since, restore) -> dict[str, list[int]]:
    """Listed orders that may be a save's: not mirrored before it, not listed before it,
    not another restore's."""
    known = set(
        PendingOrder.objects.filter(account=account, first_seen_at__lt=since).values_list(
            "fulfillment_id", flat=True
        )
    )
    known |= set(
        BulkRestoreItem.objects.filter(new_fulfillment_id__isnull=False).values_list(
            "new_fulfillment_id", flat=True
        )
    )
    known |= set(restore.listed_before.get(str(account.pk), []))
    candidates: dict[str, list[int]] = {}
    for fid, record_json in sorted(listed):
        if fid not in known:
            candidates.setdefault(restore_fingerprint(orjson.loads(record_json)), []).append(fid)
    return candidates


def _unknown_note(item: BulkRestoreItem, matches: int) -> str:
    if matches:
        found = f"FinerWorks lists {matches} new orders like it: fwadmin cannot tell which."
    else:
        found = "FinerWorks does not list it now, which does not prove it was not saved."
    # A re-check keeps what went wrong with the save, not the previous check's words.
    failure = re.split(r" ?FinerWorks (?:does not list it now|lists \d+ new orders)", item.note)[0]
    note = (
        f"{failure} {found} Not sent again: press Check again later, or Release it "
        "once you have checked at FinerWorks that no copy exists."
    ).strip()
    if "'" in orjson.dumps(item.order.raw).decode():
        note += (
            " Its text holds an apostrophe, which FinerWorks' save is known to fail on "
            "(an HTTP 500): see FWADMIN_RESTORE_DOUBLE_APOSTROPHES in the README."
        )
    return note
