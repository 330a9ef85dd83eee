"""The sandbox's HTTP control surface (``/_sandbox/<name>``, no auth): switches for tests.

Each control takes the sandbox and the request's JSON object and returns the answer's JSON;
``ValueError`` / ``TypeError`` / ``AttributeError`` become a 400 (see ``sandbox_http``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orders.finerworks.sandbox_server import Sandbox


def _ok(sb: Sandbox) -> dict:
    return {"ok": True, "state": sb.state()}


def _fault(sb: Sandbox, data: dict) -> dict:
    sb.add_fault(data.get("endpoint", "*"), str(data.get("mode")), data.get("times", 1))
    return _ok(sb)


def _raw_record(sb: Sandbox, data: dict) -> dict:
    if "record" not in data:
        raise ValueError("raw_record needs a 'record' (any JSON value)")
    sb.add_raw_record(data["record"], data.get("account_key"))
    return _ok(sb)


def _account_keys(sb: Sandbox, data: dict) -> dict:
    allowed = data.get("allowed")
    if not isinstance(allowed, bool):
        raise ValueError(f"account_keys needs 'allowed': true or false, got {allowed!r}")
    sb.account_keys_allowed = allowed
    return _ok(sb)


def _save_reply(sb: Sandbox, data: dict) -> dict:
    sb.set_save_reply(data.get("shape"))
    return _ok(sb)


def _apostrophe_quirk(sb: Sandbox, data: dict) -> dict:
    sb.set_apostrophe_quirk(data.get("on"))
    return _ok(sb)


def _latency(sb: Sandbox, data: dict) -> dict:
    sb.set_latency(int(data.get("ms", 0)))
    return _ok(sb)


def _reset_faults(sb: Sandbox, data: dict) -> dict:
    sb.clear_faults()
    return _ok(sb)


def _reset_raw_records(sb: Sandbox, data: dict) -> dict:
    sb.clear_raw_records()
    return _ok(sb)


def _reset_requests(sb: Sandbox, data: dict) -> dict:
    sb.reset_requests()
    return {"ok": True}


CONTROLS: dict[tuple[str, str], Callable[[Sandbox, dict], dict]] = {
    ("GET", "state"): lambda sb, data: sb.state(),
    ("POST", "fault"): _fault,
    ("POST", "reset_faults"): _reset_faults,
    ("POST", "latency"): _latency,
    ("POST", "reset_requests"): _reset_requests,
    ("POST", "raw_record"): _raw_record,
    ("POST", "reset_raw_records"): _reset_raw_records,
    ("POST", "account_keys"): _account_keys,
    ("POST", "save_reply"): _save_reply,
    ("POST", "apostrophe_quirk"): _apostrophe_quirk,
}
