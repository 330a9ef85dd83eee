"""Small, strict HTTP client for the FinerWorks v3 pending-order endpoints.

Pure Python (requests, ijson, orjson, stdlib): no Django imports, so it can be tested
without a database. What an answer means is answers.py; what may be sent, payloads.py.

Rules (docs/finerworks-api.md says why):
- a body over ``max_response_bytes`` or nested deeper than 64 levels is a ``BadResponse``
  before any parser sees it;
- every HTTP attempt is reported to ``on_attempt`` (response or typed error) before any retry;
- only ``ConnectionFailed`` (nothing sent) is retried everywhere; ``RateLimited`` only for
  lists and credentials: a 429 may come after FinerWorks processed a delete or a save, so
  neither is ever resent once it may have reached FinerWorks (a save is not idempotent);
- API keys never appear in URLs, reprs, error text or log lines.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests

from orders.finerworks.answers import LIST_ENDPOINT, FinerWorksResponse, RawAnswer, answer_interpret
from orders.finerworks.errors import (
    ConnectionFailed,
    FinerWorksError,
    MissingCredentials,
    RateLimited,
)
from orders.finerworks.failures import TooLarge, parse_retry_after, transport_error, unread_error
from orders.finerworks.payloads import save_payload, validate_ids, with_account_key
from orders.finerworks.saves import ENDPOINT_SAVE, SavedOrder
from orders.finerworks.spool import Body
from orders.parsing import whole_number

__all__ = [
    "FinerWorksClient",
    "FinerWorksResponse",
    "SavedOrder",
    "parse_retry_after",
    "validate_ids",
]

logger = logging.getLogger("orders.finerworks")

_REDACTED = "[redacted]"

AttemptCallback = Callable[["FinerWorksResponse | FinerWorksError"], Any]


class FinerWorksClient:
    ENDPOINT_LIST = LIST_ENDPOINT
    ENDPOINT_DELETE = "delete_pending_orders"
    ENDPOINT_SAVE = ENDPOINT_SAVE
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
        retry_backoff: float = 0.5,
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
        self.retry_backoff = float(retry_backoff)  # first wait before a retry; doubles after
        self.max_response_bytes = int(max_response_bytes)
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"FinerWorksClient(base_url={self.base_url!r})"

    __str__ = __repr__

    # ------------------------------------------------------------------ public API

    def list_pending_orders(
        self, ids: Sequence[int] | None = None, account_key: str | None = None
    ) -> FinerWorksResponse:
        payload: dict[str, Any] = {} if ids is None else {"ids": validate_ids(ids)}
        return self._call("POST", self.ENDPOINT_LIST, with_account_key(payload, account_key))

    def delete_pending_orders(
        self, ids: Sequence[int], account_key: str | None = None
    ) -> FinerWorksResponse:
        payload = with_account_key({"ids": validate_ids(ids)}, account_key)
        return self._call("POST", self.ENDPOINT_DELETE, payload)

    def save_pending_orders(
        self, orders: Sequence[dict], *, source: str, account_key: str | None = None
    ) -> FinerWorksResponse:
        """Create pending orders (one new id each, in ``saved``). Checked before sending
        (ValueError); sent once: never resent once it may have reached FinerWorks."""
        payload = save_payload(orders, source, account_key)
        return self._call("POST", self.ENDPOINT_SAVE, payload)

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
        # A 429/503 may come after FinerWorks processed a delete or a save: only the reads
        # are resent.
        reads = (self.ENDPOINT_LIST, self.ENDPOINT_CREDENTIALS)
        return isinstance(err, RateLimited) and endpoint in reads

    def _backoff(self, err: FinerWorksError, attempt: int) -> float:
        if err.retry_after is not None:
            wait = err.retry_after
        else:
            wait = self.retry_backoff * (2 ** (attempt - 1))
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
            raise transport_error(exc, _since(started), common) from exc
        try:
            content = self._read_capped(resp, spooled=endpoint == self.ENDPOINT_LIST)
        except requests.exceptions.RequestException as exc:
            # FinerWorks answered (the headers came): whatever broke the body, it may have
            # processed the request.
            raise transport_error(exc, _since(started), common, answered=True) from exc
        except (TooLarge, OSError) as exc:  # OSError: the spool's disk is full or gone
            limit = self.max_response_bytes
            raise unread_error(exc, limit, resp.status_code, _since(started), common) from exc
        raw = RawAnswer(resp.status_code, resp.headers, content, resp.encoding, _since(started))
        return answer_interpret(raw, common, self._redact)

    def _read_capped(self, resp: requests.Response, *, spooled: bool) -> bytes | Body:
        """The body, up to max_response_bytes; a list answer's to a spool (disk beyond a few
        MB), so that a million orders never sit in memory as one bytes object."""
        limit = self.max_response_bytes
        declared = whole_number(str(resp.headers.get("Content-Length") or ""), max_digits=30)
        if declared is not None and declared > limit:
            resp.close()
            raise TooLarge
        body = Body()
        for chunk in resp.iter_content(chunk_size=1 << 20):
            if body.size + len(chunk) > limit:
                resp.close()
                raise TooLarge
            body.write(chunk)
        return body if spooled else body.read_all()


def _since(started: float) -> int:
    """Milliseconds since a time.monotonic() reading."""
    return int((time.monotonic() - started) * 1000)
