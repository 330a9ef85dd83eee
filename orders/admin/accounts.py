"""FinerWorks accounts and their grants in the admin (keys shown only to who may change them)."""

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured

from orders import permissions, services
from orders.models import (
    AccountGrant,
    FinerWorksAccount,
)


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
