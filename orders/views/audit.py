"""The audit table of FinerWorks calls: list, CSV export, detail."""

import csv
import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import Truncator
from django.views import View
from django.views.generic import DetailView, TemplateView

from orders import selectors
from orders.forms_audit import CallFilterForm
from orders.views.base import CanViewAudit, numbered_page
from orders.views.order_page import query_without, time_labels


class CallListView(CanViewAudit, TemplateView):
    template_name = "orders/call_list.html"

    def get_context_data(self, **kwargs):
        form = CallFilterForm(self.request.GET, user=self.request.user)
        calls = form.filter(selectors.finerworks_calls_for_user(self.request.user))
        calls = calls.defer("body_excerpt", "debug", "request_payload")
        page = numbered_page(self.request, calls, 50)
        return super().get_context_data(
            form=form,
            deletion_id=form.cleaned_data.get("deletion"),
            page=page,
            rows=call_rows(page.object_list),
            page_query=query_without(self.request.GET, "page"),
            **kwargs,
        )


def call_rows(calls) -> list[dict]:
    """What each row of the audit list shows, prepared once here instead of per row in
    the template (two url tags, a date filter and naturaltime: most of the page's time)."""
    call_url = reverse("orders:call_detail", args=[0]).removesuffix("0/")
    deletion_url = reverse("orders:deletion_detail", args=[0]).removesuffix("0/")
    rows = []
    for call in calls:
        labels = time_labels(call.created_at)
        rows.append(
            {
                "call": call,
                "url": f"{call_url}{call.pk}/",
                "at": dateformat.format(timezone.localtime(call.created_at), "Y-m-d H:i:s"),
                "time": labels,
                "deletion_url": (
                    f"{deletion_url}{call.bulk_deletion_id}/" if call.bulk_deletion_id else ""
                ),
                "message": Truncator(call.status_message or call.error_text).chars(100),
            }
        )
    return rows


CSV_COLUMNS = [
    "id",
    "created_at",
    "acting_username",
    "endpoint",
    "purpose",
    "account__name",
    "http_status",
    "outcome",
    "success",
    "status_code",
    "status_message",
    "reference_id",
    "error_class",
    "error_text",
    "duration_ms",
    "attempt",
    "bulk_deletion_id",
    "request_payload",
]


class CallCsvView(CanViewAudit, View):
    def get(self, request):
        form = CallFilterForm(request.GET, user=request.user)
        calls = form.filter(selectors.finerworks_calls_for_user(request.user))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="finerworks-calls.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for row in calls.values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
            writer.writerow([csv_cell(json.dumps(v) if isinstance(v, dict) else v) for v in row])
        return response


# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """The value as a CSV cell no spreadsheet will run: text that could start a formula gets
    a leading apostrophe (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CallDetailView(CanViewAudit, DetailView):
    template_name = "orders/call_detail.html"
    context_object_name = "call"

    def get_queryset(self):
        return selectors.finerworks_calls_for_user(self.request.user)

    def get_context_data(self, **kwargs):
        payload = json.dumps(self.object.request_payload, indent=2)
        return super().get_context_data(payload_pretty=payload, **kwargs)
