"""Django admin: read-only mirror and audit, editable accounts with grants, and the
"Delete selected orders at FinerWorks" bulk action built on the same services."""

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import permissions, selectors, services
from .models import (
    AccountGrant,
    BulkDeletion,
    BulkDeletionItem,
    FinerWorksAccount,
    FinerWorksCall,
    PendingOrder,
)
from .parsing import whole_number
from .text import isolated


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete. Without the delete permission Django also withholds its
    built-in delete_selected action, so on orders "delete" can only mean at FinerWorks."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GrantedAccountFilter(admin.RelatedFieldListFilter):
    """The account filter lists only accounts the user may see (never another's name)."""

    def field_choices(self, field, request, model_admin):
        return [(a.pk, str(a)) for a in permissions.accounts_for_user(request.user)]

    def has_output(self):
        # Django hides a filter with one choice and then ignores its value in the URL too:
        # a shared link filtered on someone else's account would select all of one's own.
        return super().has_output() or self.lookup_val is not None


@admin.register(PendingOrder)
class PendingOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "fulfillment_id",
        "po",
        "recipient",
        "account",
        "source",
        "shipping_code",
        "total_quantity",
        "test_mode",
        "state",
        "first_seen_at",
    )
    list_filter = (
        "state",
        ("account", GrantedAccountFilter),
        "source",
        "shipping_code",
        "test_mode",
    )
    search_fields = ("order_po", "recipient_name", "recipient_email", "=fulfillment_id")
    list_select_related = ("account",)
    actions = ["delete_at_finerworks"]
    date_hierarchy = None

    def get_queryset(self, request):
        return selectors.pending_orders_for_user(request.user).select_related("account")

    @admin.display(description="Order PO", ordering="order_po")
    def po(self, order):
        return isolated(order.order_po)

    @admin.display(description="Recipient", ordering="recipient_name")
    def recipient(self, order):
        return isolated(order.recipient_name)

    def has_delete_at_finerworks_permission(self, request):
        return permissions.user_can_delete_at_finerworks(request.user)

    @admin.action(
        permissions=["delete_at_finerworks"],
        description="Delete selected orders at FinerWorks",
    )
    def delete_at_finerworks(self, request, queryset):
        """The dashboard's flow, not a second one: the selection is frozen in a draft by the
        same start service, and its confirmation page (typed count and reason for large or
        select-all deletions, the per-account checks) sends exactly what it shows."""
        select_across = request.POST.get("select_across") == "1"
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if select_across and self._refuse_ungranted_filter(request):
            return None
        try:
            if select_across:
                deletion = services.bulk_deletion_start(
                    user=request.user,
                    via="admin",
                    orders=queryset,
                    by_filter=True,
                    scope_description="all orders matching the admin's filters",
                    return_url=request.get_full_path(),
                )
            else:
                deletion = services.bulk_deletion_start(
                    user=request.user,
                    via="admin",
                    ids=_ids(selected),
                    scope_description="orders ticked in the admin",
                    return_url=request.get_full_path(),
                )
        except PermissionDenied as exc:
            self.message_user(request, f"{exc} Nothing was selected.", messages.ERROR)
            return None
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("orders:deletion_confirm", args=[deletion.pk]))

    def _refuse_ungranted_filter(self, request) -> bool:
        """A select-all filtered on an account the user may not act for: refused, audited
        (as the dashboard does), rather than an empty selection without a trace."""
        named = [
            value
            for key, values in request.GET.lists()
            if key.split("__")[0] in ("account", "account_id")
            for value in ",".join(values).split(",")
        ]
        granted = set(permissions.accounts_for_user(request.user).values_list("pk", flat=True))
        ungranted = [pk for pk in _ids(named) if pk not in granted]
        if not ungranted:
            return False
        for account in FinerWorksAccount.objects.filter(pk__in=ungranted):
            reason = f"{request.user} tried to select all orders of ungranted account {account}."
            services.delete_refusal_record(user=request.user, account=account, reason=reason)
        self.message_user(
            request, "The filter names an account you may not act for.", messages.ERROR
        )
        return True


def _ids(values) -> list[int]:
    """Posted checkbox values as ids; anything else cannot name an order."""
    return sorted({n for v in values if (n := whole_number(v)) is not None})


class AccountGrantInline(admin.TabularInline):
    model = AccountGrant
    extra = 1
    autocomplete_fields = ()


@admin.register(FinerWorksAccount)
class FinerWorksAccountAdmin(admin.ModelAdmin):
    """Accounts the user may see; keys and Verify only for those who may change accounts."""

    list_display = ("name", "verification", "verified_at", "last_synced_at")
    readonly_fields = ("last_synced_at", "verification", "verified_at", "verification_note")
    inlines = [AccountGrantInline]
    actions = ["verify_account_key"]

    def get_queryset(self, request):
        return permissions.accounts_for_user(request.user)

    def lookup_allowed(self, lookup, value, request=None):
        # ?account_key__startswith=1 would let a viewer guess a key one letter at a time.
        if "account_key" in lookup and not (request and self.has_change_permission(request)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_list_display(self, request):
        if self.has_change_permission(request):
            return ("name", "account_key", *self.list_display[1:])
        return self.list_display

    def get_fields(self, request, obj=None):
        fields = ["name", "account_key", *self.readonly_fields]
        return fields if self.has_change_permission(request, obj) else ["name", *fields[2:]]

    def get_inlines(self, request, obj):
        return self.inlines if self.has_change_permission(request, obj) else []

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(permissions=["change"], description="Verify FinerWorks honours the account key")
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
