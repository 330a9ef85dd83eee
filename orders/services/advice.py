"""What staff should do about each kind of FinerWorks failure, in one sentence."""

from django.core.exceptions import ImproperlyConfigured

from orders.finerworks.errors import (
    BadResponse,
    ConnectionFailed,
    CredentialsRejected,
    OutcomeUnknown,
    RateLimited,
    RequestRejected,
    ServerError,
)

ADVICE = {
    ConnectionFailed: "Nothing reached FinerWorks; check the network or FINERWORKS_BASE_URL and "
    "try again.",
    OutcomeUnknown: "fwadmin re-lists the orders to learn what really happened; nothing is "
    "resent blindly.",
    ServerError: "fwadmin re-lists the orders to learn what really happened; try again later "
    "if some are left.",
    BadResponse: "fwadmin re-lists the orders to learn what really happened; nothing is "
    "resent blindly.",
    RateLimited: "FinerWorks asked us to slow down; wait a minute and try again.",
    RequestRejected: "FinerWorks refused the request; refresh from FinerWorks and check these "
    "orders before trying again.",
    CredentialsRejected: "Ask an administrator to check FINERWORKS_WEB_API_KEY and "
    "FINERWORKS_APP_KEY (python manage.py finerworks_check).",
    ImproperlyConfigured: "Ask an administrator to configure the FinerWorks keys.",
}


def finerworks_error_advice(exc: Exception) -> str:
    for kind, advice in ADVICE.items():
        if isinstance(exc, kind):
            return advice
    return ""


def explain(exc: Exception) -> str:
    """The error and what to do about it, for a message or an item's note."""
    return f"{exc} {finerworks_error_advice(exc)}".strip()
