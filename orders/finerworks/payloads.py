"""What fwadmin may send: checked before any request is made (nothing is sent otherwise)."""

from __future__ import annotations

import json
from typing import Any

MAX_SOURCE_CHARS = 50  # save_pending_orders' `source` (FinerWorks' limit)


def validate_ids(ids: Any) -> list[int]:
    """Return ``ids`` as a list of ints, or raise ValueError (nothing is sent then)."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, (list, tuple)):
        raise ValueError(
            "ids must be a non-empty list of positive integers (FinerWorks fulfillment_id "
            f"values), got {type(ids).__name__}"
        )
    if not ids:
        raise ValueError("ids must be a non-empty list of positive integers; got an empty list")
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"ids must contain only positive integers; got {value!r}")
    if len(set(ids)) != len(ids):
        raise ValueError("ids must not contain duplicates")
    return [int(value) for value in ids]


def clean_account_key(account_key: Any) -> str | None:
    """The account_key to send, None for the key owner's own account."""
    if account_key is None or account_key == "":
        return None  # "" (blank CharField) means the key owner's account, like None
    if not isinstance(account_key, str):
        raise ValueError(f"account_key must be a string or None, got {type(account_key).__name__}")
    return account_key


def with_account_key(payload: dict, account_key: Any) -> dict:
    """``payload`` with the cleaned account_key added (none for the key owner's account)."""
    account_key = clean_account_key(account_key)
    if account_key is not None:
        payload["account_key"] = account_key
    return payload


def save_payload(orders: Any, source: Any, account_key: Any) -> dict:
    """The body of a save_pending_orders request, or ValueError (nothing is sent then)."""
    payload = {"orders": validate_orders(orders), "source": validate_source(source)}
    return with_account_key(payload, account_key)


def validate_orders(orders: Any) -> list[dict]:
    """A copy of ``orders`` as the JSON sent (a non-empty list of objects), or ValueError."""
    if not isinstance(orders, (list, tuple)):
        raise ValueError(f"orders must be a non-empty list of dicts, got {type(orders).__name__}")
    if not orders:
        raise ValueError("orders must be a non-empty list of dicts; got an empty list")
    for index, order in enumerate(orders):
        if not isinstance(order, dict):
            raise ValueError(f"orders[{index}] must be a dict, got {type(order).__name__}")
    try:
        # The copy is what is sent and audited, whatever the caller changes afterwards.
        text = json.dumps(list(orders), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"orders must be plain JSON values: {exc}") from None
    return json.loads(text)


def validate_source(source: Any) -> str:
    """``source`` if FinerWorks takes it (a non-blank string of at most 50 characters)."""
    if not isinstance(source, str) or not source.strip():
        shown = type(source).__name__ if not isinstance(source, str) else "a blank string"
        raise ValueError(f"source must be a non-empty string, got {shown}")
    if len(source) > MAX_SOURCE_CHARS:
        raise ValueError(
            f"source must be at most {MAX_SOURCE_CHARS} characters (FinerWorks' limit); "
            f"got {len(source)}"
        )
    return source
