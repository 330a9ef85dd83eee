"""The audit trail: one FinerWorksCall row per HTTP attempt, and the client that feeds it."""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from orders.finerworks.client import FinerWorksClient, FinerWorksResponse
from orders.finerworks.errors import FinerWorksError, MissingCredentials
from orders.models import BulkDeletion, FinerWorksAccount, FinerWorksCall

ALLOWED_PAYLOAD_KEYS = ("ids", "account_key", "source")
LISTED_AFTER_DELETE = "listed_after_delete"
logger = logging.getLogger("orders.audit")


def _log(call: FinerWorksCall) -> None:
    """One key=value line per call for log search; never keys, never the ids themselves."""
    level = logging.INFO if call.outcome == "ok" else logging.WARNING
    logger.log(
        level,
        "finerworks_call id=%s endpoint=%s purpose=%s outcome=%s http_status=%s duration_ms=%s "
        "reference_id=%s deletion=%s restore=%s account=%s attempt=%s ids=%s user=%s",
        call.pk,
        call.endpoint,
        call.purpose,
        call.outcome,
        call.http_status if call.http_status is not None else "-",
        call.duration_ms if call.duration_ms is not None else "-",
        call.reference_id or "-",
        call.bulk_deletion_id or "-",
        call.bulk_restore_id or "-",
        call.account_id or "-",
        call.attempt,
        len(call.request_payload.get("ids") or call.request_payload.get("order_pos") or ()),
        call.acting_username or "-",
    )


def _username(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else ""


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None


def _allow_listed(payload: dict | None) -> dict:
    kept = {k: v for k, v in (payload or {}).items() if k in ALLOWED_PAYLOAD_KEYS}
    orders = (payload or {}).get("orders")
    if isinstance(orders, list):  # a save: which orders, not the addresses they carry
        kept["order_pos"] = [str(o.get("order_po", "")) for o in orders if isinstance(o, dict)]
    return kept


def _storable(value):
    """A value any database keeps: no lone surrogate nor NUL in text (FinerWorks' answer
    may hold either, and the audit row of an attempt must never fail to be written)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def finerworks_call_record(
    *,
    result: FinerWorksResponse | FinerWorksError,
    purpose: str,
    account: FinerWorksAccount | None,
    acting_user=None,
    bulk_deletion: BulkDeletion | None = None,
    bulk_restore=None,
) -> FinerWorksCall:
    """Record one attempt (answer or failure) durably.

    durable=True: the row commits on its own, so no later error can roll the audit back,
    and wrapping a FinerWorks call in a transaction fails loudly instead of silently.
    """
    fields = {
        "endpoint": result.endpoint,
        "request_payload": _allow_listed(result.payload),
        "http_status": result.http_status,
        "outcome": result.outcome,
        "reference_id": result.reference_id or "",
        "body_excerpt": result.body_excerpt or "",
        "duration_ms": result.elapsed_ms,
        "attempt": result.attempt,
    }
    if isinstance(result, FinerWorksError):
        fields.update(
            status_message=result.status_message or "",
            error_class=type(result).__name__,
            error_text=str(result),
        )
    else:
        fields.update(
            success=result.success,
            status_code=result.status_code,
            status_message=result.message or "",
            debug=result.debug,
            # Records of a list answer fwadmin could not use, named for whoever reads this.
            error_text=result.skipped_note,
        )
    fields = {name: _storable(value) for name, value in fields.items()}
    with transaction.atomic(durable=True):
        call = FinerWorksCall.objects.create(
            acting_user=_user_or_none(acting_user),
            acting_username=_username(acting_user),
            purpose=purpose,
            account=account,
            bulk_deletion=bulk_deletion,
            bulk_restore=bulk_restore,
            **fields,
        )
    _log(call)
    return call


def finerworks_call_refusal_record(
    *,
    endpoint: str,
    purpose: str,
    account: FinerWorksAccount | None,
    acting_user,
    reason: str,
    ids=(),
    bulk_deletion: BulkDeletion | None = None,
    bulk_restore=None,
) -> FinerWorksCall:
    """Record a call fwadmin refused to make (nothing was sent to FinerWorks)."""
    payload = {"ids": sorted(ids)} if ids else {}
    if account is not None and account.account_key:
        payload["account_key"] = account.account_key
    with transaction.atomic(durable=True):
        call = FinerWorksCall.objects.create(
            acting_user=_user_or_none(acting_user),
            acting_username=_username(acting_user),
            endpoint=endpoint,
            purpose=purpose,
            account=account,
            bulk_deletion=bulk_deletion,
            bulk_restore=bulk_restore,
            request_payload=payload,
            outcome="refused",
            error_class="Refused",
            error_text=reason,
            attempt=0,
        )
    _log(call)
    return call


def finerworks_finding_record(*, account, deletion_id, ids, text: str) -> FinerWorksCall:
    """Record something a sync found that contradicts an earlier verified outcome."""
    with transaction.atomic(durable=True):
        call = FinerWorksCall.objects.create(
            endpoint="list_pending_orders",
            purpose="sync",
            account=account,
            bulk_deletion_id=deletion_id,
            request_payload={"ids": sorted(ids)},
            outcome=LISTED_AFTER_DELETE,
            error_class="ListedAfterDelete",
            error_text=text,
            attempt=0,
        )
    _log(call)
    return call


def finerworks_client(
    *,
    purpose: str,
    account: FinerWorksAccount | None,
    acting_user=None,
    bulk_deletion: BulkDeletion | None = None,
    bulk_restore=None,
    before_attempt=None,
) -> FinerWorksClient:
    """A client configured from settings whose every attempt lands in the audit table."""
    if not settings.FINERWORKS_WEB_API_KEY or not settings.FINERWORKS_APP_KEY:
        raise ImproperlyConfigured(
            "FinerWorks credentials are not configured: set FINERWORKS_WEB_API_KEY and "
            "FINERWORKS_APP_KEY (or run `make run` to use the local sandbox)."
        )

    def record(result):
        finerworks_call_record(
            result=result,
            purpose=purpose,
            account=account,
            acting_user=acting_user,
            bulk_deletion=bulk_deletion,
            bulk_restore=bulk_restore,
        )

    return FinerWorksClient(
        base_url=settings.FINERWORKS_BASE_URL,
        web_api_key=settings.FINERWORKS_WEB_API_KEY,
        app_key=settings.FINERWORKS_APP_KEY,
        timeout=settings.FINERWORKS_TIMEOUT,
        max_response_bytes=settings.FINERWORKS_MAX_RESPONSE_MB * 1024 * 1024,
        retry_backoff=settings.FWADMIN_RETRY_BACKOFF_SECONDS,
        max_retry_wait=settings.FWADMIN_RETRY_MAX_WAIT_SECONDS,
        on_attempt=record,
        before_attempt=before_attempt,
    )


__all__ = [
    "FinerWorksError",
    "MissingCredentials",
    "finerworks_call_record",
    "finerworks_call_refusal_record",
    "finerworks_client",
]
