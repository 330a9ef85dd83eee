"""The audit, the deletions and the syncs in the admin: read-only records."""

from django.contrib import admin

from orders import permissions, selectors
from orders.models import (
    BulkDeletion,
    BulkDeletionItem,
    FinerWorksCall,
    SyncRun,
)

from .base import GrantedAccountFilter, ReadOnlyAdmin


@admin.register(FinerWorksCall)
class FinerWorksCallAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "acting_username",
        "endpoint",
        "purpose",
        "account",
        "http_status",
        "outcome",
        "duration_ms",
        "attempt",
        "bulk_deletion",
    )
    list_filter = ("endpoint", "outcome", "purpose", ("account", GrantedAccountFilter))
    search_fields = ("reference_id", "acting_username", "status_message")
    list_select_related = ("account", "bulk_deletion")

    def get_queryset(self, request):
        return selectors.finerworks_calls_for_user(request.user)


class BulkDeletionItemInline(admin.TabularInline):
    model = BulkDeletionItem
    fields = ("fulfillment_id", "account", "outcome", "note")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    show_change_link = False


@admin.register(BulkDeletion)
class BulkDeletionAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "created_by_username", "via", "state", "finished_at")
    list_filter = ("state", "via")
    inlines = [BulkDeletionItemInline]

    def get_queryset(self, request):
        return selectors.bulk_deletions_for_user(request.user)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    """Every sync asked for (Refresh, the schedule) and how it ended: the accounts the user
    may see only."""

    list_display = ("id", "created_at", "account", "via", "requested_by", "state", "summary")
    list_filter = ("state", "via", ("account", GrantedAccountFilter))
    list_select_related = ("account", "requested_by")

    def get_queryset(self, request):
        accounts = permissions.accounts_for_user(request.user)
        return super().get_queryset(request).filter(account__in=accounts)
