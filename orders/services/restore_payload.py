"""What a restore sends for one deleted order: its stored record as FinerWorks takes it
back (docs/finerworks-api.md, "Restoring"), and how a listed copy of it is recognised."""

import hashlib
import json

from django.conf import settings

# Fields only a listing carries: FinerWorks gives the re-created order a new id.
LIST_ONLY_FIELDS = frozenset({"fulfillment_id"})
FALLBACK_SOURCE = "fwadmin-restore"


def restore_payload(record: dict) -> dict:
    """The order to save: the record as listed, less its list-only fields; every other
    field (PO, recipient, items, shipping, test mode, custom data, unknown extras) kept."""
    order = {key: value for key, value in record.items() if key not in LIST_ONLY_FIELDS}
    if settings.FWADMIN_RESTORE_DOUBLE_APOSTROPHES:
        return _apostrophes_doubled(order)
    return order


def restore_source(record: dict) -> str:
    """The save call's `source` (required, at most 50 characters): the order's own."""
    source = record.get("source")
    source = source.strip()[:50].strip() if isinstance(source, str) else ""
    return source or FALLBACK_SOURCE


def restore_fingerprint(record: dict) -> str:
    """What identifies a re-created order in a listing when FinerWorks' answer did not say
    its id: PO, recipient and items (SKU, quantity), not fields FinerWorks may add."""
    key = [str(record.get("order_po") or ""), record.get("recipient") or {}, _lines(record)]
    text = json.dumps(key, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _lines(record: dict) -> list[tuple[str, str]]:
    items = record.get("order_items")
    items = items if isinstance(items, list) else []
    return sorted(
        (str(item.get("product_sku") or ""), str(item.get("product_qty") or ""))
        for item in items
        if isinstance(item, dict)
    )


def restore_same_order(listed: dict, original: dict) -> bool:
    """Whether a listed record is this order re-created: its PO and items (SKU, quantity).
    Looser than the fingerprint: FinerWorks may fill in recipient fields of its own."""
    po = str(listed.get("order_po") or "")
    return po in _pos(original) and _lines(listed) == _lines(original)


def _pos(original: dict) -> set[str]:
    po = str(original.get("order_po") or "")
    return {po, po.replace("'", "''")}  # as sent, with or without FinerWorks' workaround


def _apostrophes_doubled(value):
    # FinerWorks' own app does this to get past its SQL bug; the text reportedly comes
    # back with single apostrophes.
    if isinstance(value, str):
        return value.replace("'", "''")
    if isinstance(value, list):
        return [_apostrophes_doubled(v) for v in value]
    if isinstance(value, dict):
        return {k: _apostrophes_doubled(v) for k, v in value.items()}
    return value
