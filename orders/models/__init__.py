"""fwadmin's data: the local mirror of FinerWorks pending orders, who may act for which
FinerWorks account, bulk deletions, and the append-only audit of every FinerWorks call."""

from orders.db import CaseInsensitiveIndex  # named by migration 0005

from .accounts import AccountGrant, FinerWorksAccount
from .audit import CALL_OUTCOMES, AppendOnlyQuerySet, CallEndpoint, CallPurpose, FinerWorksCall
from .deletions import BulkDeletion, BulkDeletionItem
from .orders import LIST_FILTER_COLUMNS, LIST_ORDER, LIST_ORDER_DESC, PendingOrder
from .preferences import ListPreference, SavedView
from .restores import BulkRestore, BulkRestoreItem
from .syncs import SyncRun, SyncSchedule, WorkerBeat

__all__ = [
    "CALL_OUTCOMES",
    "LIST_FILTER_COLUMNS",
    "LIST_ORDER",
    "LIST_ORDER_DESC",
    "AccountGrant",
    "AppendOnlyQuerySet",
    "BulkDeletion",
    "BulkDeletionItem",
    "BulkRestore",
    "BulkRestoreItem",
    "CallEndpoint",
    "CallPurpose",
    "CaseInsensitiveIndex",
    "FinerWorksAccount",
    "FinerWorksCall",
    "ListPreference",
    "PendingOrder",
    "SavedView",
    "SyncRun",
    "SyncSchedule",
    "WorkerBeat",
]
