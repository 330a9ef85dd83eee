"""Use cases of fwadmin. Views, admin, tasks and commands call these; only these call
FinerWorks (through orders.finerworks.client) and write the mirror and the audit."""

from .accounts import account_owner_get_or_create, finerworks_account_verify, mirror_staleness
from .audit import finerworks_call_record, finerworks_call_refusal_record
from .deletion import (
    bulk_deletion_accounts,
    bulk_deletion_confirm,
    bulk_deletion_create,
    delete_refusal_record,
)
from .deletion_control import (
    bulk_deletion_cancel,
    bulk_deletion_requeue,
    bulk_deletion_requeue_allowed,
)
from .deletion_drafts import (
    bulk_deletion_discard,
    bulk_deletion_draft_expire,
    bulk_deletion_still_pending,
    draft_for_user,
    sendable_items,
)
from .deletion_run import bulk_deletion_run
from .deletion_start import bulk_deletion_start
from .deletion_status import bulk_deletion_progress, bulk_deletion_report, bulk_deletion_totals
from .facets import account_facets_refresh, facets_for
from .list_views import (
    list_density,
    list_density_set,
    saved_view_create,
    saved_view_delete,
    saved_views_for,
)
from .restore_confirm import bulk_restore_confirm
from .restore_control import (
    bulk_restore_recheck,
    bulk_restore_recheck_allowed,
    bulk_restore_release,
    bulk_restore_release_allowed,
    user_may_recheck,
    user_may_release,
)
from .restore_run import bulk_restore_run
from .restore_start import (
    bulk_restore_accounts,
    bulk_restore_discard,
    bulk_restore_start,
    restorable_orders,
    restore_for_user,
    restore_refusal_record,
    restore_window_start,
)
from .restore_status import bulk_restore_progress, bulk_restore_report, bulk_restore_totals
from .sync import SyncSummary, pending_orders_sync
from .sync_runs import sync_runs_execute, sync_runs_request
from .sync_schedule import scheduled_sync_claim
from .sync_status import sync_status_rows
from .workers import worker_beat, worker_here, worker_is_running

__all__ = [
    "SyncSummary",
    "account_facets_refresh",
    "account_owner_get_or_create",
    "bulk_deletion_accounts",
    "bulk_deletion_cancel",
    "bulk_deletion_confirm",
    "bulk_deletion_create",
    "bulk_deletion_discard",
    "bulk_deletion_draft_expire",
    "bulk_deletion_start",
    "bulk_deletion_still_pending",
    "draft_for_user",
    "sendable_items",
    "bulk_deletion_progress",
    "bulk_deletion_report",
    "bulk_deletion_requeue",
    "bulk_deletion_requeue_allowed",
    "bulk_deletion_run",
    "bulk_deletion_totals",
    "bulk_restore_accounts",
    "bulk_restore_confirm",
    "bulk_restore_discard",
    "bulk_restore_progress",
    "bulk_restore_recheck",
    "bulk_restore_recheck_allowed",
    "bulk_restore_release",
    "bulk_restore_release_allowed",
    "bulk_restore_report",
    "bulk_restore_run",
    "bulk_restore_start",
    "bulk_restore_totals",
    "restorable_orders",
    "restore_for_user",
    "restore_refusal_record",
    "restore_window_start",
    "delete_refusal_record",
    "facets_for",
    "finerworks_account_verify",
    "finerworks_call_record",
    "finerworks_call_refusal_record",
    "list_density",
    "list_density_set",
    "mirror_staleness",
    "pending_orders_sync",
    "saved_view_create",
    "saved_view_delete",
    "saved_views_for",
    "scheduled_sync_claim",
    "sync_runs_execute",
    "sync_runs_request",
    "sync_status_rows",
    "user_may_recheck",
    "user_may_release",
    "worker_beat",
    "worker_here",
    "worker_is_running",
]
