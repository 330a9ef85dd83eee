"""What fwadmin may send: checked before any request is made (nothing is sent otherwise)."""

from __future__ import annotations

from typing import Any


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
