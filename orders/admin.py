"""Django admin: read-only mirror and audit, editable accounts with grants, and the
"Delete selected orders at FinerWorks" bulk action built on the same services."""

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from . import permissions, selectors, services
from .models import (
    AccountGrant,
    BulkDeletion,
    BulkDeletionItem,
    FinerWorksAccount,
    FinerWorksCall,
    PendingOrder,
)
from .tasks import bulk_deletion_enqueue


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete. Without the delete permission Django also withholds its
    built-in delete_selected action, so on orders "delete" can only mean at FinerWorks."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PendingOrder)
class PendingOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "fulfillment_id",
        "order_po",
        "recipient_name",
        "account",
        "source",
        "shipping_code",
        "total_quantity",
        "test_mode",
        "state",
        "first_seen_at",
    )
    list_filter = ("state", "account", "source", "shipping_code", "test_mode")
    search_fields = ("order_po", "recipient_name", "recipient_email", "=fulfillment_id")
    list_select_related = ("account",)
    actions = ["delete_at_finerworks"]
    date_hierarchy = None

    def get_queryset(self, request):
        return selectors.pending_orders_for_user(request.user).select_related("account")

    def has_delete_at_finerworks_permission(self, request):
        return permissions.user_can_delete_at_finerworks(request.user)

    @admin.action(
        permissions=["delete_at_finerworks"],
        description="Delete selected orders at FinerWorks",
    )
    def delete_at_finerworks(self, request, queryset):
        """Two steps like Django's delete_selected: confirm, then post=yes runs it."""
        pending = queryset.filter(state=PendingOrder.State.PENDING)
        if request.POST.get("post") == "yes":
            return self._perform_deletion(request, pending)
        accounts = services.mirror_staleness(
            FinerWorksAccount.objects.filter(pk__in=pending.values("account_id"))
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Delete orders at FinerWorks?",
            "opts": self.model._meta,
            "orders": pending.order_by("account__name", "fulfillment_id")[:500],
            "count": pending.count(),
            "skipped": queryset.count() - pending.count(),
            "accounts": accounts,
            "needs_ack": any(a.account.needs_verification for a in accounts),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(
            request, "admin/orders/delete_at_finerworks_confirmation.html", context
        )

    def _perform_deletion(self, request, pending):
        try:
            deletion = services.bulk_deletion_create(
                user=request.user,
                orders=pending,
                via="admin",
                scope_description="orders selected in the admin",
            )
            services.bulk_deletion_confirm(
                deletion=deletion,
                user=request.user,
                unverified_accounts_acknowledged=request.POST.get("acknowledge_unverified") == "on",
            )
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, text, messages.ERROR)
            return None
        bulk_deletion_enqueue(deletion)
        deletion.refresh_from_db()
        if not deletion.is_done:
            url = reverse("orders:deletion_detail", args=[deletion.pk])
            self.message_user(
                request,
                format_html(
                    'Deletion #{} is queued: <a href="{}">follow its progress</a>.',
                    deletion.pk,
                    url,
                ),
                messages.INFO,
            )
            return None
        for level, text in services.bulk_deletion_report(deletion):
            self.message_user(request, text, level)
        return None


class AccountGrantInline(admin.TabularInline):
    model = AccountGrant
    extra = 1
    autocomplete_fields = ()


@admin.register(FinerWorksAccount)
class FinerWorksAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "account_key", "verification", "verified_at", "last_synced_at")
    readonly_fields = ("last_synced_at", "verification", "verified_at", "verification_note")
    inlines = [AccountGrantInline]
    actions = ["verify_account_key"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Verify FinerWorks honours the account key")
    def verify_account_key(self, request, queryset):
        for account in queryset:
            try:
                account = services.finerworks_account_verify(
                    account=account, acting_user=request.user
                )
            except ImproperlyConfigured as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            level = (
                messages.SUCCESS
                if account.verification == FinerWorksAccount.Verification.VERIFIED
                else messages.WARNING
            )
            self.message_user(
                request,
                f"{account}: {account.get_verification_display()}. {account.verification_note}",
                level,
            )


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
    list_filter = ("endpoint", "outcome", "purpose", "account")
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
