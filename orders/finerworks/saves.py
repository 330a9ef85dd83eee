"""What a save_pending_orders answer says: the ids of the orders saved, or which orders a
400 rejected.

A save is not idempotent (each one inserts new staging rows), so an answer that does not
name one new id per order sent proves nothing: it is a BadResponse, whose caller verifies by
listing. The reply's shape is not settled (public clients read ``imports[]`` or ``orders[]``): the
saved orders come from ``imports``, else ``orders``, each with its id under ``id`` or
``fulfillment_id``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orders.finerworks.errors import BadResponse
from orders.finerworks.responses import usable_id

ENDPOINT_SAVE = "save_pending_orders"
MAX_ORDER_MESSAGE_CHARS = 1000  # of one order's messages in rejected_orders

# A ModelState key naming an order of the request: "orders[2].recipient.first_name", maybe
# after a prefix ("request.orders[2]...", "model.orders[2]..."); the field follows the index.
_ORDER_KEY = re.compile(r"(?:^|\.)orders\[(\d{1,9})\]\.?(.*)\Z", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SavedOrder:
    """One order FinerWorks says it saved: its new pending id and its PO ("" if none)."""

    fulfillment_id: int
    order_po: str


def read_saved(
    body: dict, info: dict, message: str, redact: Callable[[str], str]
) -> tuple[SavedOrder, ...]:
    """The orders a successful save answer names, in its order; BadResponse unless it names
    exactly one usable, distinct id per order sent. `info`: the answer's error fields."""
    saved, why = _saved_entries(body, _sent_count(info["payload"]), redact)
    if why:
        raise BadResponse(
            f"FinerWorks may have saved the orders on {info['endpoint']}, but its answer does "
            f"not say which ids ({why}): the outcome is unknown until the pending orders are "
            "listed.",
            status_message=message,
            **info,
        )
    return saved


def _saved_entries(
    body: dict, sent: int, redact: Callable[[str], str]
) -> tuple[tuple[SavedOrder, ...], str]:
    """(the saved orders, "") or ((), why the answer does not say which ids)."""
    entries = body.get("imports")
    if not isinstance(entries, list):
        entries = body.get("orders")
    if not isinstance(entries, list):
        return (), "it has no `imports` or `orders` list"
    if len(entries) != sent:
        return (), f"it names {len(entries)} saved order(s) for {sent} sent"
    saved: list[SavedOrder] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            return (), f"entry {index} is a {type(entry).__name__}, not an object"
        fid = _entry_id(entry)
        if fid is None:
            return (), f"entry {index} has no usable id"
        po = entry.get("order_po")
        saved.append(SavedOrder(fid, redact(po) if isinstance(po, str) else ""))
    if len({order.fulfillment_id for order in saved}) != len(saved):
        return (), "it gives two orders the same id"
    return tuple(saved), ""


def _entry_id(entry: dict) -> int | None:
    """The one id of a saved entry: a positive integer under "id" or "fulfillment_id" (both,
    when both are given and not null, the same)."""
    given = [entry[name] for name in ("id", "fulfillment_id") if entry.get(name) is not None]
    ids = {usable_id(value) for value in given}
    if len(ids) != 1 or None in ids:
        return None
    return ids.pop()


def _sent_count(payload: dict) -> int:
    orders = payload.get("orders")
    return len(orders) if isinstance(orders, list) else 0


def rejected_orders(body: Any, payload: dict, redact: Callable[[str], str]) -> dict[int, str]:
    """Index of an order sent -> FinerWorks' messages for it, from a 400's ModelState (keys
    like "orders[2].recipient.first_name"), each "field: message", joined with "; ". Keys
    naming no order sent go nowhere: the whole request is rejected then."""
    if not isinstance(body, dict):
        return {}
    model_state = body.get("ModelState") or body.get("modelState")
    if not isinstance(model_state, dict):
        return {}
    sent = _sent_count(payload)
    found: dict[int, list[str]] = {}
    for key, messages in model_state.items():
        match = _ORDER_KEY.search(str(key))
        if match is None or int(match.group(1)) >= sent:
            continue
        field = match.group(2)
        texts = found.setdefault(int(match.group(1)), [])
        for message in _messages(messages) or ["(no message)"]:
            texts.append(f"{field}: {message}" if field else message)
    return {index: _capped(redact("; ".join(found[index]))) for index in sorted(found)}


def _messages(messages: Any) -> list[str]:
    if isinstance(messages, list):
        return [str(message) for message in messages if message not in (None, "")]
    return [str(messages)] if messages not in (None, "") else []


def _capped(text: str) -> str:
    # Redacted before it is cut: a cut key could not be recognised any more.
    if len(text) <= MAX_ORDER_MESSAGE_CHARS:
        return text
    return text[: MAX_ORDER_MESSAGE_CHARS - 3] + "..."
