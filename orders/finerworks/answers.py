"""What one HTTP answer from FinerWorks means: a FinerWorksResponse, or a typed error.

success <=> HTTP 2xx and a JSON object body whose ``status.success`` is ``True``; a list
answer must also carry an ``orders`` array (responses.py reads it record by record), a save
answer one new id per order sent (saves.py). Keys are redacted from every text kept of an
answer (the caller passes its redaction).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orders.finerworks.errors import BadResponse, RequestRejected
from orders.finerworks.failures import body_message, parse_retry_after, raise_for_http_status
from orders.finerworks.nesting import nesting_within
from orders.finerworks.responses import TOO_DEEP, ListAnswer, decode, read_list_body
from orders.finerworks.saves import ENDPOINT_SAVE, SavedOrder, read_saved, rejected_orders
from orders.finerworks.spool import Body, ListedOrders

__all__ = ["LIST_ENDPOINT", "FinerWorksResponse", "RawAnswer", "SavedOrder", "answer_interpret"]

logger = logging.getLogger("orders.finerworks")

LIST_ENDPOINT = "list_pending_orders"
BODY_EXCERPT_CHARS = 2000


@dataclass(frozen=True)
class FinerWorksResponse:
    endpoint: str
    http_status: int
    # The parsed body; for list_pending_orders only the status, the orders being in
    # listed_orders.
    body: dict
    success: bool
    status_code: int | None
    message: str
    reference_id: str
    debug: Any
    elapsed_ms: int
    attempt: int
    payload: dict = field(default_factory=dict)
    body_excerpt: str = ""
    listed_orders: ListedOrders = field(default_factory=ListedOrders)  # iterate once at a time
    # One line per listed record without a usable id ("a str where an order belongs").
    unreadable_records: tuple[str, ...] = ()
    # save_pending_orders: the orders saved, in the answer's order (one per order sent).
    saved: tuple[SavedOrder, ...] = ()

    outcome = "ok"  # class attribute, not a field

    @property
    def skipped_note(self) -> str:
        """What of a list answer fwadmin cannot use, for the audit row ("" when all of it)."""
        skipped = list(self.unreadable_records)
        skipped += [f"#{fid}: {problem}" for fid, problem in self.listed_orders.problems]
        if not skipped:
            return ""
        shown = "; ".join(skipped[:20]) + ("; ..." if len(skipped) > 20 else "")
        return f"{len(skipped)} listed record{'s' if len(skipped) > 1 else ''} skipped: {shown}"

    @property
    def orders(self) -> list[dict]:
        """The listed orders as dicts (parsed on each access: fine for a few hundred)."""
        return [json.loads(order.record_json) for order in self.listed_orders]


@dataclass(frozen=True)
class RawAnswer:
    """One HTTP answer as it came: status, headers, body (bytes, or spooled for a list
    answer), charset, time taken."""

    http_status: int
    headers: Mapping[str, str]
    content: bytes | Body
    encoding: str | None
    elapsed_ms: int


def answer_interpret(
    raw: RawAnswer, common: dict, redact: Callable[[str], str]
) -> FinerWorksResponse:
    """The response a successful answer is, or the typed error any other answer raises.
    `common`: endpoint, attempt and payload of the request."""
    endpoint = common["endpoint"]
    text, body, answer = _parse(endpoint, raw.http_status, raw.content, raw.encoding)
    excerpt = redact(text[:BODY_EXCERPT_CHARS])
    status = body.get("status") if isinstance(body, dict) else None
    status = status if isinstance(status, dict) else None
    info = {
        "http_status": raw.http_status,
        "reference_id": str(status.get("reference_id") or "") if status else "",
        "body_excerpt": excerpt,
        "elapsed_ms": raw.elapsed_ms,
        **common,
    }
    body_msg = redact(body_message(body))
    retry_after = parse_retry_after(raw.headers.get("Retry-After"))
    is_4xx = 400 <= raw.http_status < 500
    rejected = rejected_orders(body, common["payload"], redact) if is_4xx else {}
    raise_for_http_status(raw.http_status, text, excerpt, body_msg, retry_after, info, rejected)
    _raise_for_body(body, status, answer, body_msg, info)
    status_message = redact(str(status.get("message") or ""))
    _raise_for_status(status, answer, status_message, info)
    saved = read_saved(body, info, status_message, redact) if endpoint == ENDPOINT_SAVE else ()
    status_code = status.get("status_code")
    return FinerWorksResponse(
        endpoint=endpoint,
        http_status=raw.http_status,
        body=body,
        success=True,
        status_code=status_code if isinstance(status_code, int) else None,
        message=status_message,
        reference_id=info["reference_id"],
        debug=status.get("debug"),
        elapsed_ms=raw.elapsed_ms,
        attempt=common["attempt"],
        payload=common["payload"],
        body_excerpt=excerpt,
        listed_orders=answer.orders if answer is not None else ListedOrders(),
        unreadable_records=answer.unreadable if answer is not None else (),
        saved=saved,
    )


def _parse(endpoint: str, http_status: int, content: bytes | Body, encoding):
    """(excerpt text, body, list answer or None) of an answer's bytes."""
    if endpoint == LIST_ENDPOINT and 200 <= http_status < 300:
        # Can be huge: never decoded or parsed whole, nor held in memory.
        head = content.head(BODY_EXCERPT_CHARS * 4) if isinstance(content, Body) else content
        text = decode(head[: BODY_EXCERPT_CHARS * 4], encoding)
        try:
            answer = read_list_body(content, encoding)
        except Exception:  # whatever a hostile answer breaks: unreadable, and audited
            logger.exception("A list answer could not be read")
            answer = ListAnswer(None, error=TOO_DEEP)
        return text, answer.body, answer
    if isinstance(content, Body):
        content = content.read_all()  # an error answer: small
    text = decode(content, encoding)
    if not nesting_within(content):
        return text, None, ListAnswer(None, error=TOO_DEEP)
    try:
        return text, (json.loads(text) if text else None), None
    except (ValueError, RecursionError):
        return text, None, None


def _raise_for_body(body, status, answer: ListAnswer | None, body_msg: str, info: dict) -> None:
    """An HTTP 2xx whose body is no readable FinerWorks answer: BadResponse."""
    endpoint, http_status = info["endpoint"], info["http_status"]
    too_deep = answer is not None and answer.error == TOO_DEEP
    if too_deep or not isinstance(body, dict):
        why = TOO_DEEP if too_deep else "the body is not a JSON object"
        raise BadResponse(
            f"FinerWorks sent an unreadable answer on {endpoint} (HTTP {http_status}): {why}.",
            **info,
        )
    if status is None:
        raise BadResponse(
            f"FinerWorks sent an answer without a status object on {endpoint} "
            f"(HTTP {http_status}).",
            status_message=body_msg,
            **info,
        )


def _raise_for_status(status: dict, answer: ListAnswer | None, message: str, info: dict) -> None:
    """A readable answer that does not say success, or a list fwadmin cannot rely on."""
    endpoint, http_status = info["endpoint"], info["http_status"]
    if status.get("success") is not True:
        raise RequestRejected(
            f"FinerWorks did not accept the request on {endpoint} (HTTP {http_status}, "
            f"status.success false): {message or 'no message'}",
            status_message=message,
            **info,
        )
    if answer is not None and answer.unreadable and "ids" in info["payload"]:
        # Asked about given ids, a record fwadmin cannot read may be one of them: the
        # answer proves nothing about which are gone.
        raise BadResponse(
            f"FinerWorks listed {len(answer.unreadable)} record(s) without a usable "
            "fulfillment_id, so this answer cannot show which orders are gone.",
            status_message=message,
            **info,
        )
    if answer is not None and answer.error:
        raise BadResponse(
            f"FinerWorks answered {endpoint} with success but {answer.error}: fwadmin "
            "cannot tell from it which orders are listed.",
            status_message=message,
            **info,
        )
