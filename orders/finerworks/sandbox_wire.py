"""What the FinerWorks sandbox says on the wire: constants, envelopes and answer bodies.

Pure functions and constants (no state, no sockets), shared by the sandbox's state
(``sandbox_state``) and its HTTP handler (``sandbox_http``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

ENDPOINTS = (
    "list_pending_orders",
    "delete_pending_orders",
    "save_pending_orders",
    "test_my_credentials",
)
# Answered before anything else (keys, ids): the call does nothing.
CANNED_FAULTS = (
    "500",
    "502_html",
    "read_timeout",
    "drop",
    "success_false",
    "malformed_json",
    "429",
    "503_retry",
    "400_modelstate",
)
# delete_pending_orders really deletes, then answers this status (on list_pending_orders:
# the normal listing with that status; on save_pending_orders: saved, then that status).
DELETED_BUT_FAULTS = ("deleted_but_500", "deleted_but_429", "deleted_but_503")
# list_pending_orders answers 200 with a success envelope, but a broken ``orders``.
LIST_BODY_FAULTS = ("orders_missing", "orders_null", "orders_not_list", "deep_nesting", "huge_body")
# save_pending_orders really saves, then answers 500 (the deleted_but modes: that status).
SAVED_BUT_FAULTS = ("saved_but_500",)
FAULT_MODES = (*CANNED_FAULTS, *DELETED_BUT_FAULTS, "sticky", *LIST_BODY_FAULTS, *SAVED_BUT_FAULTS)

DEFAULT_WEB_API_KEY = "sandbox-web-key"
DEFAULT_APP_KEY = "sandbox-app-key"
# The id of the extra record of ``huge_body`` / ``deep_nesting`` (or the next unused one).
SPARE_ID = 999_999_999
CREDENTIALS_BODY = {
    "Message": "The request is invalid.",
    "ModelState": {
        "ApiC.Models.authorization_credentials": ["Missing or unauthorized api credentials"]
    },
}
BAD_GATEWAY_HTML = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
IDS_REQUIRED_BODY = {
    "Message": "The request is invalid.",
    "ModelState": {"request.ids": ["The ids field is required."]},
}
TOO_MANY_BODY = {"Message": "Too many requests."}
UNAVAILABLE_BODY = {"Message": "Service unavailable."}
RETRY_AFTER = {"Retry-After": "1"}

Answer = tuple[int, "bytes | dict | str", dict]
_CANNED_ANSWERS: dict[str, Answer] = {
    "500": (
        500,
        {
            "Message": "An error has occurred.",
            "ExceptionMessage": "Transaction (Process ID 71) was deadlocked.",
            "ExceptionType": "System.Data.SqlClient.SqlException",
        },
        {},
    ),
    "502_html": (502, BAD_GATEWAY_HTML, {}),
    "429": (429, TOO_MANY_BODY, RETRY_AFTER),
    "503_retry": (503, UNAVAILABLE_BODY, RETRY_AFTER),
    "malformed_json": (200, b'{"status": {"success": tru', {}),
    "400_modelstate": (400, IDS_REQUIRED_BODY, {}),
}
DELETED_BUT_ANSWERS: dict[str, Answer] = {
    "deleted_but_500": (
        500,
        {"Message": "An error has occurred.", "ExceptionMessage": "Timeout."},
        {},
    ),
    "deleted_but_429": (429, TOO_MANY_BODY, RETRY_AFTER),
    "deleted_but_503": (503, UNAVAILABLE_BODY, RETRY_AFTER),
}
SAVED_BUT_ANSWERS: dict[str, Answer] = {
    **DELETED_BUT_ANSWERS,
    "saved_but_500": DELETED_BUT_ANSWERS["deleted_but_500"],
}


def canned_answer(mode: str | None) -> Answer | None:
    """The answer of a fault that fails before doing anything; None for other modes."""
    if mode == "success_false":
        return 200, {"status": _status(False, "Order ids could not be processed")}, {}
    return _CANNED_ANSWERS.get(mode) if mode else None


def _model_state(key: str, message: str) -> dict:
    return {"Message": "The request is invalid.", "ModelState": {key: [message]}}


def _status(success: bool = True, message: str = "", code: int = 200) -> dict:
    return {
        "success": success,
        "status_code": code,
        "message": message,
        "debug": {},
        "reference_id": str(uuid.uuid4()),
        "domain": None,
    }


def _valid_ids(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


def loose_id(value: Any) -> int | None:
    """The int a raw record's ``fulfillment_id`` loosely stands for (" 7 ", 7.0 -> 7).

    Booleans, fractions, non-finite floats and anything else stand for no id (None).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        value = value.strip()
        try:
            return int(value)
        except ValueError:
            try:
                value = float(value)
            except ValueError:
                return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def raw_record_id(record: Any) -> int | None:
    return loose_id(record.get("fulfillment_id")) if isinstance(record, dict) else None


def _head() -> bytes:
    """``{"status": {...}`` of a success envelope, without the closing brace."""
    return json.dumps({"status": _status()})[:-1].encode("ascii")


def list_body(chunks: list[bytes]) -> bytes:
    """A success listing of already-encoded records."""
    return _head() + b', "orders": [' + b", ".join(chunks) + b"]}"


def shapeless_list_body(mode: str) -> bytes:
    """``orders_missing`` / ``orders_null`` / ``orders_not_list``: success, no orders list."""
    if mode == "orders_missing":
        return _head() + b"}"
    if mode == "orders_null":
        return _head() + b', "orders": null}'
    return _head() + b', "orders": {"fulfillment_id": 1}}'


def deep_nesting_body(fulfillment_id: int, depth: int) -> bytes:
    """One record whose ``x`` is ``depth`` nested lists, built as bytes (no recursion)."""
    depth = max(1, int(depth))
    record = b'{"fulfillment_id": %d, "x": ' % fulfillment_id + b"[" * depth + b"]" * depth
    return _head() + b', "orders": [' + record + b"}]}"


def padded_list_body(chunks: list[bytes], spare_id: int, min_bytes: int) -> bytes:
    """A valid listing of ``chunks`` plus one record whose ``padding`` string makes the
    whole body at least ``min_bytes`` long."""
    extra = {"fulfillment_id": spare_id, "order_po": "HUGE_BODY", "padding": ""}
    body = list_body([*chunks, json.dumps(extra).encode("ascii")])
    assert body.endswith(b'""}]}')  # the empty padding string is the body's last value
    pad = max(0, min_bytes - len(body))
    return body[:-4] + b"x" * pad + body[-4:]
