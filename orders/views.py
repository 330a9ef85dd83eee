"""Dashboard views: thin; querysets come from selectors, actions from services."""

import base64
import csv
import json
from datetime import datetime
from http import HTTPStatus
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.mixins import UserPassesTestMixin
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import DetailView, TemplateView

from . import permissions, selectors, services
from .forms import CallFilterForm, ConfirmDeletionForm, OrderFilterForm, SelectionForm
from .models import BulkDeletion, BulkDeletionItem, FinerWorksAccount, PendingOrder
from .tasks import bulk_deletion_enqueue


class CanViewOrders(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_view_orders(self.request.user)


class CanDelete(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_delete_at_finerworks(self.request.user)


class CanViewAudit(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return permissions.user_can_view_audit(self.request.user)


class OrderListView(CanViewOrders, TemplateView):
    """The mirrored orders: search, filters, sort, page size. At most six queries whatever
    the table size: session, user, permissions, the user's accounts, a count that stops
    at COUNT_CAP, and the page (an index range, by cursor, however deep)."""

    template_name = "orders/order_list.html"

    def dispatch(self, request, *args, **kwargs):
        _load_permissions(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        accounts = list(permissions.accounts_for_user(user))
        form = OrderFilterForm(self.request.GET, user=user, accounts=accounts)
        form.is_valid()
        orders = form.filter(selectors.pending_orders_for_user(user, accounts=accounts))
        page = _OrderPage(
            orders,
            ordering=form.ordering(),
            size=form.value("page_size", 25),
            params=self.request.GET,
            account_names={account.pk: account.name for account in accounts},
        )
        return super().get_context_data(
            form=form,
            page=page,
            sort=form.value("sort", "-first_seen"),
            state_word=_state_word(form.value("state", "pending")),
            filter_query=_without(self.request.GET, "page", "sort", *_CURSOR_PARAMS),
            can_delete=permissions.user_can_delete_at_finerworks(user),
            filter_fields=[
                (k, v) for k, v in self.request.GET.items() if k not in ("page", *_CURSOR_PARAMS)
            ],
            **kwargs,
        )


_CURSOR_PARAMS = ("after", "before", "last")


def _load_permissions(user) -> None:
    """Fill ModelBackend's per-request permission cache with one query instead of its two
    (user permissions, then group permissions). Only when ModelBackend alone answers
    has_perm; anything else keeps Django's own lookups."""
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return
    if hasattr(user, "_perm_cache"):
        return
    deciders = [b for b in auth.get_backends() if hasattr(b, "has_perm")]
    if [type(b) for b in deciders] != [ModelBackend]:
        return
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .order_by()
        .distinct()
    )
    user._perm_cache = {f"{app}.{codename}" for app, codename in rows}


def _encode_cursor(values: list) -> str:
    data = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def _decode_cursor(text: str, ordering: list[str]) -> list | None:
    """The ordering values in a cursor, or None when it is not one of ours for this sort."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        names = [term.lstrip("-") for term in ordering]
        if not isinstance(raw, list) or len(raw) != len(names):
            return None
        values = [selectors.order_field(n).to_python(v) for n, v in zip(names, raw, strict=True)]
    except (ValueError, TypeError, ValidationError):
        return None
    return None if any(v is None for v in values) else values


class _OrderPage:
    """One page of the order list, by page number (an offset, fine near the start) or by
    cursor: `after`/`before` the row whose sort values it holds, or `last`. The
    Next/Previous/Last links are cursors, so a deep page costs what the first one does.
    The count stops at COUNT_CAP ("10,000+"); the page number then may be unknown."""

    def __init__(self, orders, *, ordering, size, params, account_names):
        self.ordering = ordering
        self.size = size
        self.base = _without(params, "page", *_CURSOR_PARAMS)
        count, capped = selectors.count_capped(orders)
        self.paginator = SimpleNamespace(
            count=count,
            capped=capped,
            num_pages=None if capped else max(1, -(-count // size)),
        )
        self.last_mode = False
        rows = self._rows(orders.order_by(*ordering).values(*selectors.LIST_COLUMNS), params)
        for row in rows:
            row["account__name"] = account_names.get(row["account_id"], "")
        self.object_list = rows

    def _rows(self, orders, params) -> list[dict]:
        size = self.size
        number = _page_number(params.get("page"))
        after = _decode_cursor(params.get("after") or "", self.ordering)
        before = _decode_cursor(params.get("before") or "", self.ordering)
        if after is not None:
            rows = list(selectors.beyond(orders, self.ordering, after, after=True)[: size + 1])
            self.number, self.has_previous, self.has_next = number, True, len(rows) > size
            return rows[:size]
        if before is not None:
            backwards = selectors.beyond(orders, self.ordering, before, after=False)
            rows = list(backwards.reverse()[: size + 1])
            self.has_previous, self.has_next = len(rows) > size, True
            self.number = number if self.has_previous else 1
            return rows[:size][::-1]
        if params.get("last"):
            return self._last(orders)
        number = number or 1
        rows = list(orders[(number - 1) * size : number * size + 1])
        if not rows and number > 1:  # past the end (a stale or typed URL): the last page
            return self._last(orders)
        self.number, self.has_previous, self.has_next = number, number > 1, len(rows) > size
        return rows[:size]

    def _last(self, orders) -> list[dict]:
        num_pages = self.paginator.num_pages
        # An exact count keeps the last page aligned with the numbered pages before it.
        size = self.paginator.count - (num_pages - 1) * self.size if num_pages else self.size
        rows = list(orders.reverse()[:size])[::-1]
        self.last_mode = True
        self.number = num_pages
        self.has_previous = self.paginator.capped or (num_pages or 1) > 1
        self.has_next = False
        return rows

    def _cursor(self, row) -> str:
        return _encode_cursor([row[term.lstrip("-")] for term in self.ordering])

    def _query(self, **params) -> str:
        extra = urlencode({k: v for k, v in params.items() if v is not None})
        return "&".join(part for part in (self.base, extra) if part)

    @property
    def first_query(self) -> str:
        return self.base

    @property
    def previous_query(self) -> str:
        if self.number == 2 or not self.object_list:
            return self.first_query
        previous = self.number - 1 if self.number else None
        return self._query(before=self._cursor(self.object_list[0]), page=previous)

    @property
    def next_query(self) -> str:
        following = self.number + 1 if self.number else None
        return self._query(after=self._cursor(self.object_list[-1]), page=following)

    @property
    def last_query(self) -> str:
        if self.paginator.num_pages:
            return self._query(page=self.paginator.num_pages)
        return self._query(last=1)


def _page_number(value) -> int | None:
    if value and value.isascii() and value.isdigit() and 0 < len(value) < 10 and int(value) > 0:
        return int(value)
    return None


def _state_word(state: str) -> str:
    return "" if state == "all" else f"{state} "


def _without(querydict, *keys) -> str:
    query = querydict.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


class OrderDetailView(CanViewOrders, DetailView):
    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return selectors.pending_orders_for_user(self.request.user).select_related("account")

    def get_context_data(self, **kwargs):
        raw = json.dumps(self.object.raw, indent=2, ensure_ascii=False, sort_keys=True)
        return super().get_context_data(raw_pretty=raw, **kwargs)


class RefreshView(CanViewOrders, View):
    http_method_names = ["post"]

    def post(self, request):
        try:
            summaries = services.pending_orders_sync(acting_user=request.user)
        except ImproperlyConfigured as exc:
            messages.error(request, str(exc))
            return redirect("orders:list")
        for summary in summaries:
            level = messages.SUCCESS if summary.ok else messages.ERROR
            messages.add_message(request, level, str(summary))
        return redirect("orders:list")


class DeletionCreateView(CanDelete, View):
    """Freeze the ticked orders (or all matching) into a deletion awaiting confirmation."""

    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        selection = SelectionForm(request.POST)
        if not selection.is_valid():
            for error in selection.errors.values():
                messages.error(request, " ".join(error))
            return redirect(_list_url(request.POST))
        scoped = selectors.pending_orders_for_user(user)
        if selection.cleaned_data["select_all"]:
            filters = OrderFilterForm(request.POST, user=user)
            if not filters.is_valid():
                if "account" in filters.errors:
                    _refuse_filter_account(user, request.POST.get("account"))
                    raise PermissionDenied("The filter names an account you may not act for.")
                messages.error(request, "The filter is not valid; nothing was selected.")
                return redirect(_list_url(request.POST))
            orders = filters.filter(scoped)
            scope = f"all orders matching {filters.describe()}"
            by_filter = True
        else:
            ids = selection.cleaned_data["orders"]
            foreign = PendingOrder.objects.filter(pk__in=ids).exclude(pk__in=scoped.values("pk"))
            if foreign.exists():
                _refuse_foreign(user, foreign)
                raise PermissionDenied(
                    "Some selected orders belong to accounts you may not act for."
                )
            orders = scoped.filter(pk__in=ids)
            scope = "orders ticked by hand"
            by_filter = False
        try:
            deletion = services.bulk_deletion_create(
                user=user, orders=orders, scope_description=scope, by_filter=by_filter
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_list_url(request.POST))
        return redirect("orders:deletion_confirm", pk=deletion.pk)


def _refuse_foreign(user, foreign) -> None:
    by_account = {}
    for order in foreign.select_related("account"):
        by_account.setdefault(order.account, []).append(order.fulfillment_id)
    for account, fids in by_account.items():
        services.delete_refusal_record(user=user, account=account, ids=fids)


def _refuse_filter_account(user, account_id) -> None:
    account_id = account_id or ""
    if not (account_id.isascii() and account_id.isdigit()) or len(account_id) > 18:
        return
    account = FinerWorksAccount.objects.filter(pk=int(account_id)).first()
    if account is not None:
        reason = f"{user} tried to select all orders of ungranted account {account}."
        services.delete_refusal_record(user=user, account=account, reason=reason)


def _list_url(data) -> str:
    keep = {k: data.get(k) for k in OrderFilterForm.base_fields if data.get(k)}
    return reverse("orders:list") + ("?" + urlencode(keep) if keep else "")


class DeletionMixin:
    def get_deletion(self, pk) -> BulkDeletion:
        return get_object_or_404(selectors.bulk_deletions_for_user(self.request.user), pk=pk)


class DeletionConfirmView(CanDelete, DeletionMixin, TemplateView):
    template_name = "orders/deletion_confirm.html"

    def get(self, request, pk):
        deletion = self.get_deletion(pk)
        if deletion.state != BulkDeletion.State.AWAITING:
            return redirect("orders:deletion_detail", pk=pk)
        return self.render_to_response(self.context(deletion, self.form(deletion)))

    def form(self, deletion, data=None):
        count = deletion.items.count()
        needs_typing = deletion.by_filter or count > settings.FWADMIN_CONFIRM_TYPED_ABOVE
        return ConfirmDeletionForm(data, count=count, needs_typing=needs_typing)

    def post(self, request, pk):
        # Looked up among the user's own deletions, not by account scope, so that a grant
        # revoked since the confirmation page is refused and audited by the service.
        deletion = get_object_or_404(BulkDeletion, pk=pk, created_by=request.user)
        if deletion.state != BulkDeletion.State.AWAITING:
            messages.info(request, "This deletion was already confirmed; it ran only once.")
            return redirect("orders:deletion_detail", pk=pk)
        form = self.form(deletion, request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.context(deletion, form), status=HTTPStatus.BAD_REQUEST
            )
        try:
            started = services.bulk_deletion_confirm(
                deletion=deletion,
                user=request.user,
                unverified_accounts_acknowledged=form.cleaned_data.get("acknowledge_unverified"),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.render_to_response(
                self.context(deletion, form), status=HTTPStatus.BAD_REQUEST
            )
        if not started:
            messages.info(request, "This deletion was already confirmed; it ran only once.")
            return redirect("orders:deletion_detail", pk=pk)
        bulk_deletion_enqueue(deletion)
        deletion.refresh_from_db()
        if deletion.is_done:
            _report(request, deletion)
        else:
            messages.info(request, f"Deletion #{deletion.pk} is queued; progress shows below.")
        return redirect("orders:deletion_detail", pk=pk)

    def context(self, deletion, form):
        items = deletion.items.select_related("order", "account").order_by(
            "account__name", "fulfillment_id"
        )
        accounts = services.bulk_deletion_accounts(deletion)
        counts = dict(deletion.items.values_list("account_id").annotate(n=Count("pk")).order_by())
        return self.get_context_data(
            deletion=deletion,
            form=form,
            accounts=services.mirror_staleness(accounts, counts),
            items=items[:500],
            item_count=form.count,
            needs_ack=any(a.needs_verification for a in accounts),
        )


class DeletionCancelView(CanDelete, DeletionMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        deletion = self.get_deletion(pk)
        messages.info(request, services.bulk_deletion_cancel(deletion=deletion, user=request.user))
        return redirect("orders:deletion_detail", pk=pk)


class DeletionProgressView(CanViewOrders, DeletionMixin, View):
    """JSON for the progress bar; the same scoping as the deletion page."""

    def get(self, request, pk):
        return JsonResponse(services.bulk_deletion_progress(self.get_deletion(pk)))


def _report(request, deletion) -> None:
    for level, text in services.bulk_deletion_report(deletion):
        messages.add_message(request, level, text)


class DeletionDetailView(CanViewOrders, DeletionMixin, TemplateView):
    template_name = "orders/deletion_detail.html"

    def get_context_data(self, pk, **kwargs):
        deletion = self.get_deletion(pk)
        items = deletion.items.select_related("account").order_by("outcome", "fulfillment_id")
        page = Paginator(items, 200).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            deletion=deletion,
            progress=services.bulk_deletion_progress(deletion),
            totals=services.bulk_deletion_totals(deletion),
            page=page,
            calls=deletion.calls.order_by("created_at", "id")[:200],
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
        page = Paginator(deletions, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class CallListView(CanViewAudit, TemplateView):
    template_name = "orders/call_list.html"

    def get_context_data(self, **kwargs):
        form = CallFilterForm(self.request.GET, user=self.request.user)
        calls = form.filter(selectors.finerworks_calls_for_user(self.request.user))
        calls = calls.defer("body_excerpt", "debug", "request_payload")
        page = Paginator(calls, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            form=form,
            page=page,
            page_query=_without(self.request.GET, "page"),
            **kwargs,
        )


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
            writer.writerow([json.dumps(v) if isinstance(v, dict) else v for v in row])
        return response


class CallDetailView(CanViewAudit, DetailView):
    template_name = "orders/call_detail.html"
    context_object_name = "call"

    def get_queryset(self):
        return selectors.finerworks_calls_for_user(self.request.user)

    def get_context_data(self, **kwargs):
        payload = json.dumps(self.object.request_payload, indent=2)
        return super().get_context_data(payload_pretty=payload, **kwargs)
