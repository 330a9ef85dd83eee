"""Small, strict HTTP client for the FinerWorks v3 pending-order endpoints.

Pure Python (requests, ijson, orjson, stdlib): no Django imports, so it can be tested
without a database.

Rules (see /work/shared/reference/finerworks-api.md):
- success <=> HTTP 2xx and a JSON object body whose ``status.success`` is ``True``;
- every HTTP attempt is reported to ``on_attempt`` (response or typed error) before any retry;
- only ``ConnectionFailed`` (nothing sent) and ``RateLimited`` are retried;
- API keys never appear in URLs, reprs, error text or log lines.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

import ijson
import orjson
import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from orders.finerworks.errors import (
    BadResponse,
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    MissingCredentials,
    OutcomeUnknown,
    RateLimited,
    RequestRejected,
    ServerError,
)

logger = logging.getLogger("orders.finerworks")

BODY_EXCERPT_CHARS = 2000
_CREDENTIAL_MARKERS = ("unauthorized api credentials", "authorization_credentials")
_REDACTED = "[redacted]"

AttemptCallback = Callable[["FinerWorksResponse | FinerWorksError"], Any]


def canonical_json(value: Any) -> bytes:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8. Equal records give equal
    bytes, so the sync can hash and store a listed order in this form."""
    try:
        # A copy: orjson's own bytes keep its whole 4 KB+ write buffer allocated, four
        # times the text of a typical order, which 100k listed orders would hold at once.
        return memoryview(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).tobytes()
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode()


_JSON_OBJECT = re.compile(rb"\s*\{")


class ListedOrder(NamedTuple):
    """One order of a list_pending_orders answer: its id as sent, and its record as
    canonical JSON (about a tenth of the memory of the parsed record)."""

    fulfillment_id: Any
    record_json: bytes

    def order_id(self) -> int | None:
        """The id as fwadmin uses it; None when FinerWorks sent none usable (such an order
        can be neither mirrored nor deleted)."""
        try:
            return int(self.fulfillment_id)
        except (TypeError, ValueError):
            return None


def _read_list_body(content: bytes, encoding: str | None) -> tuple[Any, tuple[ListedOrder, ...]]:
    """A successful list_pending_orders body: (the body without its orders, the orders).

    Read order by order (ijson) instead of parsed whole: 100k orders are 110 MB of JSON but
    300 MB of Python objects. Whatever that way cannot read the same as before (an integer
    beyond 64 bits, a charset other than UTF-8, no status object to take the message from)
    is read whole, like every other answer. (None, ()) when it is not JSON at all.
    """
    if _is_utf8(encoding) and _JSON_OBJECT.match(content):
        try:
            # Stops as soon as the status is read (at once when it comes first).
            status = next(ijson.items(io.BytesIO(content), "status", use_float=True), None)
            if isinstance(status, dict):
                # Reads to the end: a truncated or malformed body raises here.
                orders = tuple(
                    _listed(record)
                    for record in ijson.items(io.BytesIO(content), "orders.item", use_float=True)
                )
                return {"status": status}, orders
        except (ijson.JSONError, ValueError, TypeError, RecursionError):
            pass
    try:
        body = json.loads(_decode(content, encoding))
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            return body, ()
        orders = tuple(_listed(record) for record in body.pop("orders"))
    except (ValueError, TypeError, RecursionError):
        return None, ()
    return body, orders


def _listed(record: Any) -> ListedOrder:
    fid = record.get("fulfillment_id") if isinstance(record, dict) else None
    return ListedOrder(fid, canonical_json(record))


def _is_utf8(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "utf-8").name in ("utf-8", "ascii")
    except LookupError:  # decoded as UTF-8 anyway (see _decode)
        return True


def _decode(content: bytes, encoding: str | None) -> str:
    try:
        return content.decode(encoding or "utf-8", "replace")
    except LookupError:  # a charset Python does not know: JSON is UTF-8 anyway
        return content.decode("utf-8", "replace")


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
    listed_orders: tuple[ListedOrder, ...] = ()

    outcome = "ok"  # class attribute, not a field

    @property
    def orders(self) -> list[dict]:
        """The listed orders as dicts (parsed on each access: fine for a few hundred)."""
        return [json.loads(order.record_json) for order in self.listed_orders]


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


def _clean_account_key(account_key: Any) -> str | None:
    if account_key is None or account_key == "":
        return None  # "" (blank CharField) means the key owner's account, like None
    if not isinstance(account_key, str):
        raise ValueError(f"account_key must be a string or None, got {type(account_key).__name__}")
    return account_key


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


def _body_message(body: Any) -> str:
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


def _nothing_was_sent(exc: requests.exceptions.RequestException) -> bool:
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    if isinstance(exc, (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError)):
        return False
    if isinstance(exc, requests.exceptions.InvalidURL):
        return True
    return any(
        isinstance(cause, (NewConnectionError, ConnectTimeoutError)) for cause in _root_causes(exc)
    )


class FinerWorksClient:
    ENDPOINT_LIST = "list_pending_orders"
    ENDPOINT_DELETE = "delete_pending_orders"
    ENDPOINT_CREDENTIALS = "test_my_credentials"

    def __init__(
        self,
        *,
        base_url: str,
        web_api_key: str | None,
        app_key: str | None,
        timeout: float | tuple[float, float] = 30.0,
        session: requests.Session | None = None,
        on_attempt: AttemptCallback | None = None,
        max_retries: int = 2,
        max_retry_wait: float = 10.0,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.base_url = (base_url or "").rstrip("/")
        self._web_api_key = web_api_key or ""
        self._app_key = app_key or ""
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()
        self.on_attempt = on_attempt
        self.max_retries = max(0, int(max_retries))
        self.max_retry_wait = float(max_retry_wait)
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"FinerWorksClient(base_url={self.base_url!r})"

    __str__ = __repr__

    # ------------------------------------------------------------------ public API

    def list_pending_orders(
        self, ids: Sequence[int] | None = None, account_key: str | None = None
    ) -> FinerWorksResponse:
        payload: dict[str, Any] = {}
        if ids is not None:
            payload["ids"] = validate_ids(ids)
        account_key = _clean_account_key(account_key)
        if account_key is not None:
            payload["account_key"] = account_key
        return self._call("POST", self.ENDPOINT_LIST, payload)

    def delete_pending_orders(
        self, ids: Sequence[int], account_key: str | None = None
    ) -> FinerWorksResponse:
        payload: dict[str, Any] = {"ids": validate_ids(ids)}
        account_key = _clean_account_key(account_key)
        if account_key is not None:
            payload["account_key"] = account_key
        return self._call("POST", self.ENDPOINT_DELETE, payload)

    def test_my_credentials(self) -> FinerWorksResponse:
        return self._call("GET", self.ENDPOINT_CREDENTIALS, None)

    # ------------------------------------------------------------------ internals

    def _require_keys(self) -> None:
        if not self._web_api_key or not self._app_key:
            raise MissingCredentials(
                "FINERWORKS_WEB_API_KEY and FINERWORKS_APP_KEY must be set to call the "
                "FinerWorks API (one or both are empty)."
            )

    def _redact(self, text: str) -> str:
        # Real keys are GUIDs; a very short "key" would shred ordinary words if replaced.
        for secret in (self._web_api_key, self._app_key):
            if secret and len(secret) >= 8 and secret in text:
                text = text.replace(secret, _REDACTED)
        return text

    def _call(self, method: str, endpoint: str, payload: dict | None) -> FinerWorksResponse:
        self._require_keys()
        if not self.base_url:
            raise MissingCredentials("FINERWORKS_BASE_URL must be set to call the FinerWorks API.")
        attempt = 1
        while True:
            try:
                result = self._attempt(method, endpoint, payload, attempt)
            except FinerWorksError as err:
                self._log(err)
                if self.on_attempt is not None:
                    self.on_attempt(err)
                if isinstance(err, (ConnectionFailed, RateLimited)) and attempt <= self.max_retries:
                    self.sleep(self._backoff(err, attempt))
                    attempt += 1
                    continue
                raise
            self._log(result)
            if self.on_attempt is not None:
                self.on_attempt(result)
            return result

    def _backoff(self, err: FinerWorksError, attempt: int) -> float:
        if err.retry_after is not None:
            wait = err.retry_after
        else:
            wait = 0.5 * (2 ** (attempt - 1))
        return max(0.0, min(wait, self.max_retry_wait))

    def _log(self, result: FinerWorksResponse | FinerWorksError) -> None:
        # DEBUG: fwadmin's audit layer logs the same call at INFO with its deletion and account.
        logger.debug(
            "finerworks endpoint=%s outcome=%s http_status=%s elapsed_ms=%s reference_id=%s "
            "attempt=%s",
            result.endpoint,
            result.outcome,
            result.http_status,
            result.elapsed_ms,
            result.reference_id or "-",
            result.attempt,
        )

    def _attempt(
        self, method: str, endpoint: str, payload: dict | None, attempt: int
    ) -> FinerWorksResponse:
        url = f"{self.base_url}/v3/{endpoint}"
        headers = {
            "web_api_key": self._web_api_key,
            "app_key": self._app_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        safe_payload = dict(payload or {})
        common = {"endpoint": endpoint, "attempt": attempt, "payload": safe_payload}
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        started = time.monotonic()
        try:
            resp = self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
            content = resp.content
        except requests.exceptions.RequestException as exc:
            elapsed_ms = int((time.monotonic() - started) * 1000)
            reason = type(exc).__name__
            if _nothing_was_sent(exc):
                raise ConnectionFailed(
                    f"Could not connect to FinerWorks for {endpoint} ({reason}); "
                    "the request was not sent.",
                    status_message=reason,
                    elapsed_ms=elapsed_ms,
                    **common,
                ) from exc
            raise OutcomeUnknown(
                f"No answer from FinerWorks on {endpoint} ({reason}); the request may or may "
                "not have been processed.",
                status_message=reason,
                elapsed_ms=elapsed_ms,
                **common,
            ) from exc
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return self._interpret(resp, content, elapsed_ms, common)

    def _interpret(
        self, resp: requests.Response, content: bytes, elapsed_ms: int, common: dict
    ) -> FinerWorksResponse:
        endpoint = common["endpoint"]
        http_status = resp.status_code
        listed_orders = ()
        if endpoint == self.ENDPOINT_LIST and 200 <= http_status < 300:
            # Can be huge: never decoded or parsed whole.
            text = _decode(content[: BODY_EXCERPT_CHARS * 4], resp.encoding)
            body, listed_orders = _read_list_body(content, resp.encoding)
        else:
            text = _decode(content, resp.encoding)
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = None
        excerpt = self._redact(text[:BODY_EXCERPT_CHARS])
        status = body.get("status") if isinstance(body, dict) else None
        status = status if isinstance(status, dict) else None
        reference_id = str(status.get("reference_id") or "") if status else ""
        info = {
            "http_status": http_status,
            "reference_id": reference_id,
            "body_excerpt": excerpt,
            "elapsed_ms": elapsed_ms,
            **common,
        }
        body_msg = self._redact(_body_message(body))

        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if http_status == 429 or (http_status == 503 and retry_after is not None):
            wait = f"; retry after {retry_after:g}s" if retry_after is not None else ""
            raise RateLimited(
                f"FinerWorks is rate limiting {endpoint} (HTTP {http_status}){wait}.",
                status_message=body_msg,
                retry_after=retry_after,
                **info,
            )
        if 400 <= http_status < 500:
            lowered = text.lower()
            if any(marker in lowered for marker in _CREDENTIAL_MARKERS):
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
                **info,
            )
        if http_status >= 500:
            text = excerpt[:200].strip()
            if text.lstrip().lower().startswith(("<!doctype", "<html")):
                text = "an HTML error page"  # e.g. a proxy's 502; the body stays in the audit
            detail = body_msg or text or "no message"
            raise ServerError(
                f"FinerWorks answered HTTP {http_status} on {endpoint}: {detail}",
                status_message=body_msg,
                **info,
            )
        if not 200 <= http_status < 300:
            raise BadResponse(
                f"FinerWorks sent an unexpected HTTP {http_status} on {endpoint}.",
                status_message=body_msg,
                **info,
            )
        if not isinstance(body, dict):
            raise BadResponse(
                f"FinerWorks sent an unreadable answer on {endpoint} (HTTP {http_status}): "
                "the body is not a JSON object.",
                **info,
            )
        if status is None:
            raise BadResponse(
                f"FinerWorks sent an answer without a status object on {endpoint} "
                f"(HTTP {http_status}).",
                status_message=body_msg,
                **info,
            )
        status_message = self._redact(str(status.get("message") or ""))
        if status.get("success") is not True:
            raise RequestRejected(
                f"FinerWorks did not accept the request on {endpoint} (HTTP {http_status}, "
                f"status.success false): {status_message or 'no message'}",
                status_message=status_message,
                **info,
            )
        status_code = status.get("status_code")
        return FinerWorksResponse(
            endpoint=endpoint,
            http_status=http_status,
            body=body,
            success=True,
            status_code=status_code if isinstance(status_code, int) else None,
            message=status_message,
            reference_id=reference_id,
            debug=status.get("debug"),
            elapsed_ms=elapsed_ms,
            attempt=common["attempt"],
            payload=common["payload"],
            body_excerpt=excerpt,
            listed_orders=listed_orders,
        )
