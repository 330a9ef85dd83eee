"""Deleting at FinerWorks, once confirmed: follow progress, cancel, read the result, list
the deletions. Selecting and confirming: views/deletion_confirm.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from orders import permissions, selectors, services
from orders.forms import MAX_IDS_POSTED
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder
from orders.services.deletion_status import (
    OUTCOMES_PROBLEMS_FIRST,
    finished_with_problems,
    outcome_counts,
    outcome_summary,
)
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
    """A deletion's result: progress, report, its orders (problems first, filtered by
    ?outcome=), its calls, and what staff can do next (requeue, restore, select again)."""

    template_name = "orders/deletion_detail.html"

    def get_context_data(self, pk, **kwargs):
        user = self.request.user
        deletion = self.get_deletion(pk)
        totals = services.bulk_deletion_totals(deletion)
        shown = self.request.GET.get("outcome", "")
        shown = shown if shown in BulkDeletionItem.Outcome.values else ""  # unknown: ignored
        items = deletion.items.select_related("account")
        if shown:
            items = items.filter(outcome=shown)
        page = numbered_page(self.request, items.order_by(PROBLEMS_FIRST, "fulfillment_id"), 200)
        return super().get_context_data(
            deletion=deletion,
            progress=services.bulk_deletion_progress(deletion),
            can_requeue=permissions.user_can_requeue_deletion(user)
            and services.bulk_deletion_requeue_allowed(deletion),
            totals=totals,
            with_problems=finished_with_problems(deletion, totals.by_outcome),
            report=services.bulk_deletion_report(deletion) if deletion.is_done else [],
            page=page,
            shown_outcome=shown,
            outcome_filter=outcome_filter(totals.by_outcome, shown),
            reselect=reselect_offer(user, deletion),
            calls=deletion.calls.order_by("created_at", "id")[:200],
            can_restore=restore_offer(user, deletion=deletion),
            restores=selectors.bulk_restores_for_user(user).filter(deletion=deletion),
            **kwargs,
        )


# The result page's order: problems first (deletion_status.OUTCOMES_PROBLEMS_FIRST).
PROBLEMS_FIRST = Case(
    *[When(outcome=o, then=Value(rank)) for rank, o in enumerate(OUTCOMES_PROBLEMS_FIRST)],
    default=Value(len(OUTCOMES_PROBLEMS_FIRST)),
)


def outcome_filter(by_outcome: dict[str, int], shown: str) -> list[tuple[str, str, int, bool]]:
    """(outcome, label, count, shown now) of each outcome the deletion has, problems first."""
    return [
        (o.value, o.label, by_outcome[o], o == shown)
        for o in OUTCOMES_PROBLEMS_FIRST
        if by_outcome.get(o)
    ]


def reselect_offer(user, deletion: BulkDeletion) -> dict | None:
    """The orders of an ended deletion still pending (and unclaimed) in the mirror, for a
    new selection of at most MAX_IDS_POSTED (the first by FinerWorks id); None when there
    are none or the user may not delete."""
    if not deletion.is_done or not permissions.user_can_delete_at_finerworks(user):
        return None
    left = selectors.pending_orders_for_user(user).filter(
        pk__in=deletion.items.values("order_id"),
        state=PendingOrder.State.PENDING,
        claimed_by__isnull=True,
        fulfillment_id__gt=0,
    )
    count = left.count()
    if not count:
        return None
    ids = list(left.order_by("fulfillment_id", "pk").values_list("pk", flat=True)[:MAX_IDS_POSTED])
    return {"ids": ids, "count": count, "more": count - len(ids)}


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
    """The deletions, each with its count per outcome (one grouped query for the page)."""

    template_name = "orders/deletion_list.html"

    def get_context_data(self, **kwargs):
        deletions = selectors.bulk_deletions_for_user(self.request.user)
        page = numbered_page(self.request, deletions, 50)
        page.object_list = list(page.object_list)
        counts = outcome_counts(d.pk for d in page.object_list)
        for deletion in page.object_list:
            mine = counts.get(deletion.pk, {})
            deletion.outcome_summary = outcome_summary(mine)
            deletion.with_problems = finished_with_problems(deletion, mine)
        restores = selectors.bulk_restores_for_user(self.request.user)[:20]
        return super().get_context_data(page=page, restores=restores, **kwargs)
