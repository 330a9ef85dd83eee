"""Restoring deleted orders at FinerWorks: start from a deletion, an order or the admin,
confirm, follow the run. The work is in services (restore_*)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from orders import permissions, selectors, services
from orders.models import BulkDeletion, PendingOrder
from orders.parsing import whole_number
from orders.tasks import bulk_restore_enqueue
from orders.views.base import CanRestore, CanViewOrders, numbered_page


class RestoreCreateView(CanRestore, View):
    """POST `deletion` (its deleted orders) or `order` (one deleted order): a draft."""

    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        deletion_pk = whole_number(request.POST.get("deletion", ""))
        order_pk = whole_number(request.POST.get("order", ""))
        if deletion_pk is not None:
            deletion = get_object_or_404(selectors.bulk_deletions_for_user(user), pk=deletion_pk)
            back = reverse("orders:deletion_detail", args=[deletion.pk])
            start = {"deletion": deletion}
        elif order_pk is not None:
            order = get_object_or_404(selectors.pending_orders_for_user(user), pk=order_pk)
            back = reverse("orders:detail", args=[order.pk])
            start = {"ids": [order.pk]}
        else:
            messages.error(request, "Choose a deletion or a deleted order to restore.")
            return redirect("orders:deletion_list")
        try:
            restore = services.bulk_restore_start(user=user, via="dashboard", **start)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        return redirect("orders:restore_confirm", pk=restore.pk)


class RestoreConfirmView(CanRestore, TemplateView):
    template_name = "orders/restore_confirm.html"

    def get_restore(self, pk):
        restore = services.restore_for_user(self.request.user, pk)
        if restore is None:
            raise Http404("No such restore.")
        return restore

    def get(self, request, pk):
        restore = self.get_restore(pk)
        if restore.state != restore.State.AWAITING:
            return redirect("orders:restore_detail", pk=pk)
        return super().get(request, pk=pk)

    def get_context_data(self, pk, **kwargs):
        restore = self.get_restore(pk)
        items = restore.items.select_related("account", "order").order_by("account__name", "pk")
        accounts = [
            (account, restore.items.filter(account=account).count())
            for account in services.bulk_restore_accounts(restore)
        ]
        return super().get_context_data(
            restore=restore,
            accounts=accounts,
            item_count=restore.items.count(),
            page=numbered_page(self.request, items, 200),
            **kwargs,
        )

    def post(self, request, pk):
        restore = self.get_restore(pk)
        try:
            confirmed = services.bulk_restore_confirm(restore=restore, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            restore.refresh_from_db()
            to = "orders:restore_detail" if restore.is_done else "orders:restore_confirm"
            return redirect(to, pk=pk)
        if confirmed:
            bulk_restore_enqueue(restore)
            messages.info(request, f"Restore #{pk} is queued; progress shows below.")
        return redirect("orders:restore_detail", pk=pk)


class RestoreDiscardView(CanRestore, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        restore = services.restore_for_user(request.user, pk)
        if restore is None:
            raise Http404("No such restore.")
        services.bulk_restore_discard(restore=restore, user=request.user)
        if (
            restore.deletion_id
            and selectors.bulk_deletions_for_user(request.user)
            .filter(pk=restore.deletion_id)
            .exists()
        ):
            return redirect("orders:deletion_detail", pk=restore.deletion_id)
        return redirect("orders:deletion_list")


class RestoreRecheckView(CanRestore, View):
    """List FinerWorks again for orders whose save had an unknown outcome (never resent)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        restore = get_object_or_404(selectors.bulk_restores_for_user(request.user), pk=pk)
        try:
            services.bulk_restore_recheck(restore=restore, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("orders:restore_detail", pk=pk)
        bulk_restore_enqueue(restore)
        messages.info(request, f"Restore #{pk} is queued to check FinerWorks again.")
        return redirect("orders:restore_detail", pk=pk)


class RestoreReleaseView(CanRestore, View):
    """Staff checked at FinerWorks: the orders of unknown outcome were not created."""

    http_method_names = ["post"]

    def post(self, request, pk):
        restore = get_object_or_404(selectors.bulk_restores_for_user(request.user), pk=pk)
        if request.POST.get("checked") != "yes":
            messages.error(request, "Tick the box once you have checked at FinerWorks.")
            return redirect("orders:restore_detail", pk=pk)
        try:
            n = services.bulk_restore_release(restore=restore, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("orders:restore_detail", pk=pk)
        messages.info(
            request, f"{n} order{'s' if n != 1 else ''} released: they may be restored again."
        )
        return redirect("orders:restore_detail", pk=pk)


class RestoreDetailView(CanViewOrders, TemplateView):
    template_name = "orders/restore_detail.html"

    def get_context_data(self, pk, **kwargs):
        restore = get_object_or_404(selectors.bulk_restores_for_user(self.request.user), pk=pk)
        items = restore.items.select_related("account", "new_order").order_by("outcome", "pk")
        return super().get_context_data(
            restore=restore,
            progress=services.bulk_restore_progress(restore),
            report=services.bulk_restore_report(restore) if restore.is_done else [],
            can_recheck=services.user_may_recheck(self.request.user, restore)
            and services.bulk_restore_recheck_allowed(restore),
            can_release=services.user_may_release(self.request.user, restore)
            and services.bulk_restore_release_allowed(restore),
            page=numbered_page(self.request, items, 200),
            calls=restore.calls.order_by("created_at", "id")[:200],
            **kwargs,
        )


def restore_offer(user, *, deletion: BulkDeletion | None = None, order: PendingOrder | None = None):
    """Whether to show "Restore at FinerWorks…": the user may, and something is restorable."""
    if not permissions.user_can_restore_at_finerworks(user):
        return False
    if deletion is not None:
        orders = PendingOrder.objects.filter(deleted_by_deletion=deletion)
    else:
        orders = PendingOrder.objects.filter(pk=order.pk)
    return services.restorable_orders(orders).exists()
