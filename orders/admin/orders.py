"""The mirrored orders in the admin, and its "Delete selected orders at FinerWorks" and
"Restore selected deleted orders at FinerWorks" actions (the dashboard's own flows: a
frozen draft and its confirmation page)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from orders import permissions, selectors, services
from orders.models import (
    FinerWorksAccount,
    PendingOrder,
)
from orders.parsing import whole_number
from orders.text import isolated

from .base import GrantedAccountFilter, ReadOnlyAdmin


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
    actions = ["delete_at_finerworks", "restore_at_finerworks"]
    date_hierarchy = None

    def get_queryset(self, request):
        return selectors.pending_orders_for_user(request.user).select_related("account")

    # A sync stamps "seen" on the account, not on each unchanged row: the model's last_seen.
    exclude = ("last_seen_at",)
    readonly_fields = ("last_seen",)

    @admin.display(description="Last seen")
    def last_seen(self, order):
        return order.last_seen

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

    def has_restore_at_finerworks_permission(self, request):
        return permissions.user_can_restore_at_finerworks(request.user)

    @admin.action(
        permissions=["restore_at_finerworks"],
        description="Restore selected deleted orders at FinerWorks",
    )
    def restore_at_finerworks(self, request, queryset):
        """The dashboard's restore flow: the same start service freezes the restorable
        orders ticked (deleted by fwadmin, within the window) in a draft, and its
        confirmation page sends exactly what it shows."""
        if request.POST.get("select_across") == "1":
            if self._refuse_ungranted_filter(request, record=_restore_refusal):
                return None
            start = {"orders": queryset}
        else:
            start = {"ids": _ids(request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME))}
        try:
            restore = services.bulk_restore_start(user=request.user, via="admin", **start)
        except PermissionDenied as exc:
            self.message_user(request, f"{exc} Nothing was selected.", messages.ERROR)
            return None
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return None
        return HttpResponseRedirect(reverse("orders:restore_confirm", args=[restore.pk]))

    def _refuse_ungranted_filter(self, request, record=None) -> bool:
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
            (record or _delete_refusal)(request.user, account, reason)
        self.message_user(
            request, "The filter names an account you may not act for.", messages.ERROR
        )
        return True


def _delete_refusal(user, account, reason) -> None:
    services.delete_refusal_record(user=user, account=account, reason=reason)


def _restore_refusal(user, account, reason) -> None:
    services.restore_refusal_record(user=user, account=account, ids=[], reason=reason)


def _ids(values) -> list[int]:
    """Posted checkbox values as ids; anything else cannot name an order."""
    return sorted({n for v in values if (n := whole_number(v)) is not None})
