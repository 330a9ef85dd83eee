"""Deleting at FinerWorks, once confirmed: follow progress, cancel, read the result, list
the deletions. Selecting and confirming: views/deletion_confirm.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from orders import permissions, selectors, services
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder
from orders.tasks import bulk_deletion_enqueue
from orders.views.base import CanDelete, CanRequeue, CanViewOrders, numbered_page
from orders.views.restores import restore_offer


class DeletionMixin:
    def get_deletion(self, pk) -> BulkDeletion:
        return get_object_or_404(selectors.bulk_deletions_for_user(self.request.user), pk=pk)


class DeletionCancelView(CanDelete, DeletionMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        deletion = self.get_deletion(pk)
        messages.info(request, services.bulk_deletion_cancel(deletion=deletion, user=request.user))
        return redirect("orders:deletion_detail", pk=pk)


class DeletionRequeueView(CanRequeue, DeletionMixin, View):
    """What `deletions --requeue` does: the run verifies what was sent before sending more."""

    http_method_names = ["post"]

    def post(self, request, pk):
        deletion = self.get_deletion(pk)
        try:
            services.bulk_deletion_requeue(deletion=deletion)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("orders:deletion_detail", pk=pk)
        bulk_deletion_enqueue(deletion)
        messages.info(
            request,
            f"Deletion #{pk} is back in the queue: what was sent is verified first, "
            "then the rest is sent.",
        )
        return redirect("orders:deletion_detail", pk=pk)


class DeletionProgressView(CanViewOrders, DeletionMixin, View):
    """JSON for the progress bar; the same scoping as the deletion page."""

    def get(self, request, pk):
        return JsonResponse(services.bulk_deletion_progress(self.get_deletion(pk)))


class DeletionDetailView(CanViewOrders, DeletionMixin, TemplateView):
    template_name = "orders/deletion_detail.html"

    def get_context_data(self, pk, **kwargs):
        deletion = self.get_deletion(pk)
        items = deletion.items.select_related("account").order_by("outcome", "fulfillment_id")
        page = numbered_page(self.request, items, 200)
        return super().get_context_data(
            deletion=deletion,
            progress=services.bulk_deletion_progress(deletion),
            can_requeue=permissions.user_can_requeue_deletion(self.request.user)
            and services.bulk_deletion_requeue_allowed(deletion),
            totals=services.bulk_deletion_totals(deletion),
            report=services.bulk_deletion_report(deletion) if deletion.is_done else [],
            page=page,
            calls=deletion.calls.order_by("created_at", "id")[:200],
            can_restore=restore_offer(self.request.user, deletion=deletion),
            restores=selectors.bulk_restores_for_user(self.request.user).filter(deletion=deletion),
            **kwargs,
        )


class DeletionRecordsView(CanViewOrders, DeletionMixin, View):
    """The raw FinerWorks records of the orders this deletion removed (to re-create them)."""

    def get(self, request, pk):
        deletion = self.get_deletion(pk)
        rows = PendingOrder.objects.filter(
            pk__in=deletion.items.filter(outcome=BulkDeletionItem.Outcome.DELETED).values(
                "order_id"
            )
        ).values("account__name", "account__account_key", "fulfillment_id", "raw")
        payload = {
            "deletion": deletion.pk,
            "orders": [
                {
                    "account": r["account__name"],
                    "account_key": r["account__account_key"],
                    "fulfillment_id": r["fulfillment_id"],
                    "record": r["raw"],
                }
                for r in rows
            ],
        }
        response = JsonResponse(payload, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="deletion-{pk}-records.json"'
        return response


class DeletionListView(CanViewOrders, TemplateView):
    template_name = "orders/deletion_list.html"

    def get_context_data(self, **kwargs):
        deletions = selectors.bulk_deletions_for_user(self.request.user)
        page = numbered_page(self.request, deletions, 50)
        restores = selectors.bulk_restores_for_user(self.request.user)[:20]
        return super().get_context_data(page=page, restores=restores, **kwargs)
