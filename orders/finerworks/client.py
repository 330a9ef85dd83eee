"""Small, strict HTTP client for the FinerWorks v3 pending-order endpoints.

Pure Python (requests, ijson, orjson, stdlib): no Django imports, so it can be tested
without a database.

Rules (docs/finerworks-api.md says why):
- success <=> HTTP 2xx and a JSON object body whose ``status.success`` is ``True``; a list
  answer must also carry an ``orders`` array (responses.py reads it record by record);
- a body over ``max_response_bytes`` or nested deeper than 64 levels is a ``BadResponse``
  before any parser sees it;
- every HTTP attempt is reported to ``on_attempt`` (response or typed error) before any retry;
- only ``ConnectionFailed`` (nothing sent) is retried everywhere; ``RateLimited`` only for
  lists: a 429 may come after FinerWorks processed a delete, so a delete is never resent;
- API keys never appear in URLs, reprs, error text or log lines.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from orders.finerworks.errors import (
    BadResponse,
    ConnectionFailed,
    FinerWorksError,
    MissingCredentials,
    OutcomeUnknown,
    RateLimited,
    RequestRejected,
)
from orders.finerworks.failures import (
    body_message,
    nothing_was_sent,
    parse_retry_after,
    raise_for_http_status,
)
from orders.finerworks.responses import (
    TOO_DEEP,
    ListAnswer,
    ListedOrder,
    decode,
    nesting_within,
    read_list_body,
)

logger = logging.getLogger("orders.finerworks")

BODY_EXCERPT_CHARS = 2000
_REDACTED = "[redacted]"

AttemptCallback = Callable[["FinerWorksResponse | FinerWorksError"], Any]


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
    # One line per listed record without a usable id ("a str where an order belongs").
    unreadable_records: tuple[str, ...] = ()

    outcome = "ok"  # class attribute, not a field

    @property
    def skipped_note(self) -> str:
        """What of a list answer fwadmin cannot use, for the audit row ("" when all of it)."""
        skipped = list(self.unreadable_records)
        skipped += [f"#{o.fulfillment_id}: {o.problem}" for o in self.listed_orders if o.problem]
        if not skipped:
            return ""
        shown = "; ".join(skipped[:20]) + ("; ..." if len(skipped) > 20 else "")
        return f"{len(skipped)} listed record{'s' if len(skipped) > 1 else ''} skipped: {shown}"

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
        before_attempt: Callable[[], Any] | None = None,
        max_retries: int = 2,
        max_retry_wait: float = 10.0,
        max_response_bytes: int = 256 * 1024 * 1024,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.base_url = (base_url or "").rstrip("/")
        self._web_api_key = web_api_key or ""
        self._app_key = app_key or ""
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()
        self.on_attempt = on_attempt
        # Called before every attempt, retries too: it may raise to stop the call (a
        # deletion run whose fencing token was superseded sends nothing more).
        self.before_attempt = before_attempt
        self.max_retries = max(0, int(max_retries))
        self.max_retry_wait = float(max_retry_wait)
        self.max_response_bytes = int(max_response_bytes)
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
            if self.before_attempt is not None:
                self.before_attempt()
            try:
                result = self._attempt(method, endpoint, payload, attempt)
            except FinerWorksError as err:
                self._log(err)
                if self.on_attempt is not None:
                    self.on_attempt(err)
                if self._retryable(err, endpoint) and attempt <= self.max_retries:
                    self.sleep(self._backoff(err, attempt))
                    attempt += 1
                    continue
                raise
            self._log(result)
            if self.on_attempt is not None:
                self.on_attempt(result)
            return result

    def _retryable(self, err: FinerWorksError, endpoint: str) -> bool:
        if isinstance(err, ConnectionFailed):
            return True  # nothing reached FinerWorks
        # A 429/503 may come after FinerWorks processed a delete: never resend one blindly.
        return isinstance(err, RateLimited) and endpoint != self.ENDPOINT_DELETE

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
        common = {"endpoint": endpoint, "attempt": attempt, "payload": dict(payload or {})}
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
                stream=True,  # read below, up to max_response_bytes
            )
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(exc, started, common) from exc
        try:
            content = self._read_capped(resp)
        except requests.exceptions.RequestException as exc:
            # FinerWorks answered (the headers came): whatever broke the body, it may have
            # processed the request.
            raise self._transport_error(exc, started, common, answered=True) from exc
        except _TooLarge as exc:
            raise BadResponse(
                f"FinerWorks sent an answer over {self.max_response_bytes // 2**20} MB on "
                f"{endpoint} (FINERWORKS_MAX_RESPONSE_MB); it was not read.",
                http_status=resp.status_code,
                elapsed_ms=int((time.monotonic() - started) * 1000),
                **common,
            ) from exc
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return self._interpret(resp, content, elapsed_ms, common)

    def _read_capped(self, resp: requests.Response) -> bytes:
        limit = self.max_response_bytes
        declared = str(resp.headers.get("Content-Length") or "")
        if declared.isdigit() and int(declared) > limit:
            resp.close()
            raise _TooLarge
        chunks, size = [], 0
        for chunk in resp.iter_content(chunk_size=1 << 20):
            size += len(chunk)
            if size > limit:
                resp.close()
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _transport_error(
        exc: Exception, started: float, common: dict, answered: bool = False
    ) -> FinerWorksError:
        elapsed_ms = int((time.monotonic() - started) * 1000)
        reason = type(exc).__name__
        endpoint = common["endpoint"]
        if not answered and nothing_was_sent(exc):
            return ConnectionFailed(
                f"Could not connect to FinerWorks for {endpoint} ({reason}); "
                "the request was not sent.",
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

    def _parse(self, endpoint: str, http_status: int, content: bytes, encoding):
        """(excerpt text, body, list answer or None) of an answer's bytes."""
        if endpoint == self.ENDPOINT_LIST and 200 <= http_status < 300:
            # Can be huge: never decoded or parsed whole.
            text = decode(content[: BODY_EXCERPT_CHARS * 4], encoding)
            try:
                answer = read_list_body(content, encoding)
            except Exception:  # whatever a hostile answer breaks: unreadable, and audited
                logger.exception("A list answer could not be read")
                answer = ListAnswer(None, error=TOO_DEEP)
            return text, answer.body, answer
        text = decode(content, encoding)
        if not nesting_within(content):
            return text, None, ListAnswer(None, error=TOO_DEEP)
        try:
            return text, (json.loads(text) if text else None), None
        except (ValueError, RecursionError):
            return text, None, None

    def _interpret(
        self, resp: requests.Response, content: bytes, elapsed_ms: int, common: dict
    ) -> FinerWorksResponse:
        endpoint = common["endpoint"]
        http_status = resp.status_code
        text, body, answer = self._parse(endpoint, http_status, content, resp.encoding)
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
        body_msg = self._redact(body_message(body))
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        raise_for_http_status(http_status, text, excerpt, body_msg, retry_after, info)
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
        status_message = self._redact(str(status.get("message") or ""))
        if status.get("success") is not True:
            raise RequestRejected(
                f"FinerWorks did not accept the request on {endpoint} (HTTP {http_status}, "
                f"status.success false): {status_message or 'no message'}",
                status_message=status_message,
                **info,
            )
        if answer is not None and answer.unreadable and "ids" in common["payload"]:
            # Asked about given ids, a record fwadmin cannot read may be one of them: the
            # answer proves nothing about which are gone.
            raise BadResponse(
                f"FinerWorks listed {len(answer.unreadable)} record(s) without a usable "
                "fulfillment_id, so this answer cannot show which orders are gone.",
                status_message=status_message,
                **info,
            )
        if answer is not None and answer.error:
            raise BadResponse(
                f"FinerWorks answered {endpoint} with success but {answer.error}: fwadmin "
                "cannot tell from it which orders are listed.",
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
            listed_orders=answer.orders if answer is not None else (),
            unreadable_records=answer.unreadable if answer is not None else (),
        )


class _TooLarge(Exception):
    """The answer is over max_response_bytes (read no further)."""
