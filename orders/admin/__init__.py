"""Django admin: read-only mirror and audit, editable accounts with grants, and the
"Delete selected orders at FinerWorks" bulk action built on the same services."""

from .accounts import AccountGrantInline, FinerWorksAccountAdmin
from .orders import PendingOrderAdmin
from .records import BulkDeletionAdmin, FinerWorksCallAdmin, SyncRunAdmin

__all__ = [
    "AccountGrantInline",
    "BulkDeletionAdmin",
    "FinerWorksAccountAdmin",
    "FinerWorksCallAdmin",
    "PendingOrderAdmin",
    "SyncRunAdmin",
]
