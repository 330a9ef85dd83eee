"""FinerWorks v3 API client, typed errors and a local HTTP sandbox (pure Python, no Django)."""

from orders.finerworks.client import FinerWorksClient, FinerWorksResponse, SavedOrder
from orders.finerworks.errors import (
    OUTCOME_CODES,
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

__all__ = [
    "OUTCOME_CODES",
    "BadResponse",
    "ConnectionFailed",
    "CredentialsRejected",
    "FinerWorksClient",
    "FinerWorksError",
    "FinerWorksResponse",
    "MissingCredentials",
    "OutcomeUnknown",
    "RateLimited",
    "RequestRejected",
    "SavedOrder",
    "ServerError",
]
