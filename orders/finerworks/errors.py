"""Typed errors raised by :class:`orders.finerworks.client.FinerWorksClient`.

Every error carries an ``outcome`` code, stored as-is in the audit table:

- ``ok``                   success (on FinerWorksResponse, not an error)
- ``refused``              refused locally before any request (used by the service layer)
- ``listed_after_delete``  a sync still found orders a deletion had verified deleted
- ``connection_failed``    nothing was sent (refused / connect timeout / DNS)
- ``outcome_unknown``      request sent, answer lost (read timeout, dropped connection)
- ``credentials_rejected`` HTTP 400 "Missing or unauthorized api credentials"
- ``request_rejected``     other 4xx, or 2xx with ``status.success`` false
- ``server_error``         5xx
- ``bad_response``         2xx that is not JSON or has no ``status`` object
- ``rate_limited``         429, or 503 with Retry-After

Every error also carries ``rejected_orders`` (empty unless a 400 on save_pending_orders named
orders): the index of an order in the request -> what FinerWorks said of it.
"""

from __future__ import annotations


class MissingCredentials(Exception):
    """The client was used without web_api_key/app_key configured (not an API answer)."""


class FinerWorksError(Exception):
    outcome: str = "error"

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        http_status: int | None = None,
        status_message: str = "",
        reference_id: str = "",
        body_excerpt: str = "",
        attempt: int = 1,
        elapsed_ms: int | None = None,
        payload: dict | None = None,
        retry_after: float | None = None,
        rejected_orders: dict[int, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.http_status = http_status
        self.status_message = status_message
        self.reference_id = reference_id
        self.body_excerpt = body_excerpt
        self.attempt = attempt
        self.elapsed_ms = elapsed_ms
        self.payload = dict(payload or {})
        self.retry_after = retry_after
        # Index of an order in the request -> FinerWorks' message(s) for it, redacted.
        self.rejected_orders: dict[int, str] = dict(rejected_orders or {})

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(outcome={self.outcome!r}, endpoint={self.endpoint!r}, "
            f"http_status={self.http_status!r}, attempt={self.attempt!r})"
        )


class ConnectionFailed(FinerWorksError):
    """Could not connect (refused, connect timeout, DNS): the request was not sent."""

    outcome = "connection_failed"


class OutcomeUnknown(FinerWorksError):
    """The request was sent but no answer arrived: it may or may not have been processed."""

    outcome = "outcome_unknown"


class CredentialsRejected(FinerWorksError):
    """FinerWorks rejected the web_api_key/app_key pair."""

    outcome = "credentials_rejected"


class RequestRejected(FinerWorksError):
    """4xx validation error, or a 2xx answer with status.success false."""

    outcome = "request_rejected"


class ServerError(FinerWorksError):
    """5xx answer."""

    outcome = "server_error"


class BadResponse(FinerWorksError):
    """2xx answer whose body is not JSON or lacks a ``status`` object."""

    outcome = "bad_response"


class RateLimited(FinerWorksError):
    """429, or 503 with Retry-After. ``retry_after`` holds the wait in seconds (or None)."""

    outcome = "rate_limited"


ERROR_CLASSES: tuple[type[FinerWorksError], ...] = (
    ConnectionFailed,
    OutcomeUnknown,
    CredentialsRejected,
    RequestRejected,
    ServerError,
    BadResponse,
    RateLimited,
)

# "refused" and "listed_after_delete" are written by the service layer, not the client.
OUTCOME_CODES: tuple[str, ...] = (
    "ok",
    "refused",
    "listed_after_delete",
    *(c.outcome for c in ERROR_CLASSES),
)

__all__ = [
    "ERROR_CLASSES",
    "OUTCOME_CODES",
    "BadResponse",
    "ConnectionFailed",
    "CredentialsRejected",
    "FinerWorksError",
    "MissingCredentials",
    "OutcomeUnknown",
    "RateLimited",
    "RequestRejected",
    "ServerError",
]
