"""How a FinerWorks answer or a transport failure maps to the client's typed errors."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from orders.finerworks.errors import (
    BadResponse,
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    OutcomeUnknown,
    RateLimited,
    RequestRejected,
    ServerError,
)

_CREDENTIAL_MARKERS = ("unauthorized api credentials", "authorization_credentials")


def parse_retry_after(value: str | None) -> float | None:
    """Parse a Retry-After header (delta-seconds or HTTP-date) into seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _first_modelstate_message(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    model_state = body.get("ModelState") or body.get("modelState")
    if isinstance(model_state, dict):
        for messages in model_state.values():
            if isinstance(messages, list) and messages:
                return str(messages[0])
            if isinstance(messages, str) and messages:
                return messages
    return ""


def body_message(body: Any) -> str:
    """Best human message from an error body: ModelState, then status.message, then message."""
    if not isinstance(body, dict):
        return ""
    msg = _first_modelstate_message(body)
    if msg:
        return msg
    status = body.get("status")
    if isinstance(status, dict) and status.get("message"):
        return str(status["message"])
    for key in ("message", "Message"):
        if body.get(key):
            return str(body[key])
    return ""


def _root_causes(exc: BaseException) -> list[BaseException]:
    """Walk the chain of wrapped exceptions (args, .reason, __cause__, __context__)."""
    seen: list[BaseException] = []
    stack: list[BaseException] = [exc]
    while stack and len(seen) < 20:
        current = stack.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        for attr in ("reason", "__cause__", "__context__"):
            nxt = getattr(current, attr, None)
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException):
                stack.append(arg)
    return seen


def nothing_was_sent(exc: requests.exceptions.RequestException) -> bool:
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    if isinstance(exc, (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError)):
        return False
    if isinstance(exc, requests.exceptions.InvalidURL):
        return True
    return any(
        isinstance(cause, (NewConnectionError, ConnectTimeoutError)) for cause in _root_causes(exc)
    )


def raise_for_http_status(
    http_status, text, excerpt, body_msg, retry_after, info, rejected_orders=None
) -> None:
    """Map a non-2xx answer (and a 503 with Retry-After) to its typed error. A 4xx
    RequestRejected carries `rejected_orders` (index of an order sent -> its messages)."""
    endpoint = info["endpoint"]
    if http_status == 429 or (http_status == 503 and retry_after is not None):
        wait = f"; retry after {retry_after:g}s" if retry_after is not None else ""
        raise RateLimited(
            f"FinerWorks is rate limiting {endpoint} (HTTP {http_status}){wait}.",
            status_message=body_msg,
            retry_after=retry_after,
            **info,
        )
    if 400 <= http_status < 500:
        if any(marker in text.lower() for marker in _CREDENTIAL_MARKERS):
            reason = body_msg or "Missing or unauthorized api credentials"
            raise CredentialsRejected(
                f"FinerWorks rejected the API credentials on {endpoint} "
                f"(HTTP {http_status}): {reason}",
                status_message=body_msg,
                **info,
            )
        raise RequestRejected(
            f"FinerWorks rejected the request on {endpoint} (HTTP {http_status}): "
            f"{body_msg or 'no message'}",
            status_message=body_msg,
            rejected_orders=rejected_orders,
            **info,
        )
    if http_status >= 500:
        shown = excerpt[:200].strip()
        if shown.lower().startswith(("<!doctype", "<html")):
            shown = "an HTML error page"  # e.g. a proxy's 502; the body stays in the audit
        raise ServerError(
            f"FinerWorks answered HTTP {http_status} on {endpoint}: "
            f"{body_msg or shown or 'no message'}",
            status_message=body_msg,
            **info,
        )
    if not 200 <= http_status < 300:
        raise BadResponse(
            f"FinerWorks sent an unexpected HTTP {http_status} on {endpoint}.",
            status_message=body_msg,
            **info,
        )


def transport_error(
    exc: Exception, elapsed_ms: int, common: dict, answered: bool = False
) -> FinerWorksError:
    """The typed error of a request that got no (complete) answer: ConnectionFailed when
    nothing can have reached FinerWorks, else OutcomeUnknown. `answered`: the headers came."""
    reason = type(exc).__name__
    endpoint = common["endpoint"]
    if not answered and nothing_was_sent(exc):
        return ConnectionFailed(
            f"Could not connect to FinerWorks for {endpoint} ({reason}); the request was not sent.",
            status_message=reason,
            elapsed_ms=elapsed_ms,
            **common,
        )
    return OutcomeUnknown(
        f"No answer from FinerWorks on {endpoint} ({reason}); the request may or may "
        "not have been processed.",
        status_message=reason,
        elapsed_ms=elapsed_ms,
        **common,
    )


class TooLarge(Exception):
    """The answer is over max_response_bytes (read no further)."""


def unread_error(
    exc: Exception, limit_bytes: int, http_status: int, elapsed_ms: int, common: dict
) -> BadResponse:
    """The BadResponse of an answer not read: too large (TooLarge), or its spool's
    disk failed (OSError)."""
    if isinstance(exc, TooLarge):
        size = limit_bytes // 2**20
        why = f"FinerWorks sent an answer over {size} MB (FINERWORKS_MAX_RESPONSE_MB)"
    else:
        reason = getattr(exc, "strerror", None) or repr(exc)
        why = f"fwadmin could not store FinerWorks' answer ({reason})"
    return BadResponse(
        f"{why} on {common['endpoint']}; it was not read.",
        http_status=http_status,
        elapsed_ms=elapsed_ms,
        **common,
    )
