"""What every fwadmin admin shares: read-only pages and account-scoped filters."""

from django.contrib import admin

from orders import permissions


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
