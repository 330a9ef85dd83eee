"""The sandbox's ``POST /v3/save_pending_orders``: FinerWorks' checks of the orders, its
apostrophe bug, the reply shapes, and the save itself.

:func:`save_answer` is what the HTTP handler (``sandbox_http``) sends; :class:`SaveOrders`
is mixed into :class:`~orders.finerworks.sandbox_state.SandboxState` (which owns ``_lock``,
``_store``, ``_next_id`` and the ``save_reply`` / ``apostrophe_quirk`` switches).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orders.finerworks import sandbox_wire as wire

if TYPE_CHECKING:
    from orders.finerworks.sandbox_state import SandboxState

# "imports": {"imports": [{"id", "order_po"}]}; "orders": {"orders": [{"fulfillment_id",
# "order_po"}]}; "none": the status alone. FinerWorks' own shape is not settled.
SAVE_REPLY_SHAPES = ("imports", "orders", "none")
SOURCE_MAX_LENGTH = 50
RECIPIENT_FIELDS = (
    "first_name",
    "last_name",
    "address_1",
    "city",
    "zip_postal_code",
    "country_code",
)
# FinerWorks builds its SQL by string concatenation: a ' in the orders breaks the statement.
APOSTROPHE_BODY = {
    "Message": "An error has occurred.",
    "ExceptionMessage": (
        "Incorrect syntax near 's'. Unclosed quotation mark after the character string ''."
    ),
    "ExceptionType": "System.Data.SqlClient.SqlException",
}

Problem = Callable[[str, str], None]  # (ModelState key, message)


# ---------------------------------------------------------------------- validation


def _text_problem(name: str, value: Any) -> str | None:
    """Why ``value`` is no non-empty string (None: it is one)."""
    if value is None or value == "":
        return f"The {name} field is required."
    if not isinstance(value, str):
        return f"The {name} field must be a string."
    return None


def _check_text(key: str, name: str, value: Any, problem: Problem) -> None:
    message = _text_problem(name, value)
    if message is not None:
        problem(key, message)


def _check_source(source: Any, problem: Problem) -> None:
    _check_text("request.source", "source", source, problem)
    if isinstance(source, str) and len(source) > SOURCE_MAX_LENGTH:
        problem(
            "request.source",
            f"The field source must be a string with a maximum length of {SOURCE_MAX_LENGTH}.",
        )


def _check_recipient(prefix: str, recipient: Any, problem: Problem) -> None:
    if not isinstance(recipient, dict):
        problem(f"{prefix}.recipient", "The recipient field is required.")
        return
    for name in RECIPIENT_FIELDS:
        _check_text(f"{prefix}.recipient.{name}", name, recipient.get(name), problem)


def _check_items(prefix: str, items: Any, problem: Problem) -> None:
    if not isinstance(items, list) or not items:
        problem(f"{prefix}.order_items", "The order_items field is required.")
        return
    for j, item in enumerate(items):
        key = f"{prefix}.order_items[{j}]"
        if not isinstance(item, dict):
            problem(key, "The order item must be an object.")
            continue
        _check_text(f"{key}.product_sku", "product_sku", item.get("product_sku"), problem)
        qty = item.get("product_qty")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            problem(f"{key}.product_qty", "The product_qty field must be a whole number above 0.")


def _is_guid_or_null(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_order(prefix: str, order: dict, problem: Problem) -> None:
    _check_text(f"{prefix}.order_po", "order_po", order.get("order_po"), problem)
    _check_recipient(prefix, order.get("recipient"), problem)
    _check_items(prefix, order.get("order_items"), problem)
    if not _is_guid_or_null(order.get("order_key")):
        problem(f"{prefix}.order_key", "The order_key field must be a GUID or null.")


def save_problems(body: dict) -> dict[str, list[str]]:
    """Every problem FinerWorks finds in a save request, as a ModelState (empty: none)."""
    problems: dict[str, list[str]] = {}

    def problem(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    orders = body.get("orders")
    if not isinstance(orders, list) or not orders:
        problem("request.orders", "The orders field is required.")
    else:
        for i, order in enumerate(orders):
            if isinstance(order, dict):
                _check_order(f"orders[{i}]", order, problem)
            else:
                problem("request.orders", f"The order at index {i} must be an object.")
    _check_source(body.get("source"), problem)
    return problems


def has_apostrophe(value: Any) -> bool:
    """True when a ' is in any string value of ``value``, however deep (keys not looked at)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "'" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# ---------------------------------------------------------------------- answers


def save_reply(shape: str, saved: list[dict]) -> dict:
    """The 200 answer of a save in one of ``SAVE_REPLY_SHAPES``, in request order."""
    if shape == "imports":
        rows = [{"id": r["fulfillment_id"], "order_po": r.get("order_po")} for r in saved]
        return {"imports": rows, "status": wire._status()}
    if shape == "orders":
        keys = ("fulfillment_id", "order_po")
        return {"orders": [{k: r.get(k) for k in keys} for r in saved], "status": wire._status()}
    return {"status": wire._status()}


def save_answer(
    sb: SandboxState, account: str | None, body: dict, fault: str | None
) -> wire.Answer:
    """What save_pending_orders answers (code, body, headers) once keys and faults that fail
    before anything is done have been dealt with; saves the orders when they pass."""
    problems = save_problems(body)
    if problems:
        return 400, {"Message": "The request is invalid.", "ModelState": problems}, {}
    if sb.apostrophe_quirk and has_apostrophe(body["orders"]):
        return 500, APOSTROPHE_BODY, {}
    saved = sb._save_orders(body["orders"], body["source"], account)
    saved_but = wire.SAVED_BUT_ANSWERS.get(fault or "")
    if saved_but is not None:
        return saved_but
    return 200, save_reply(sb.save_reply, saved), {}


# ---------------------------------------------------------------------- state


class SaveOrders:
    """The save half of the sandbox's state (mixed into SandboxState)."""

    def set_save_reply(self, shape: str) -> None:
        """The shape of a successful save's answer: one of ``SAVE_REPLY_SHAPES``."""
        if shape not in SAVE_REPLY_SHAPES:
            raise ValueError(f"save_reply shape must be one of {SAVE_REPLY_SHAPES}, got {shape!r}")
        self.save_reply = shape

    def set_apostrophe_quirk(self, on: bool) -> None:
        """On: a save whose orders hold a ' anywhere answers FinerWorks' SQL error (500)."""
        if not isinstance(on, bool):
            raise ValueError(f"apostrophe_quirk needs true or false, got {on!r}")
        self.apostrophe_quirk = on

    def _save_orders(self, orders: list[dict], source: str, account: str | None) -> list[dict]:
        """Each order as a new pending order of ``account`` (a sent fulfillment_id ignored)."""
        saved = []
        with self._lock:
            for order in orders:
                record = copy.deepcopy(order)
                record["fulfillment_id"] = self._next_id
                record.setdefault("source", source)
                self._store(record, account)
                saved.append(record)
        return saved
