"""The order list and an order's detail (Refresh: views/syncs.py)."""

import json

from django.views.generic import DetailView, TemplateView

from orders import permissions, selectors, services
from orders.forms import DEFAULT_SORT, SORTS, OrderFilterForm
from orders.views.base import CanViewOrders, load_permissions
from orders.views.order_page import (
    CURSOR_PARAMS,
    OrderPage,
    query_without,
    sort_headers,
    state_word,
)
from orders.views.restores import restore_offer

# The list's columns, each sortable by its key (OrderFilterForm's sort choices).
SORT_COLUMNS = [(key, header) for key, (header, _) in SORTS.items()]


class OrderListView(CanViewOrders, TemplateView):
    """The mirrored orders: search, filters, sort, page size. At most eight queries whatever
    the table size: session, user, permissions, the user's accounts, a count that stops
    at COUNT_CAP, the page (an index range, by cursor, however deep), the accounts' newest
    syncs and the workers' last beat."""

    template_name = "orders/order_list.html"

    def dispatch(self, request, *args, **kwargs):
        load_permissions(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        accounts = list(permissions.accounts_for_user(user))
        form = OrderFilterForm(self.request.GET, user=user, accounts=accounts)
        form.is_valid()
        orders = form.filter(selectors.pending_orders_for_user(user, accounts=accounts))
        page = OrderPage(
            orders,
            ordering=form.ordering(),
            size=form.value("page_size", 25),
            params=self.request.GET,
            account_names={account.pk: account.name for account in accounts},
        )
        filter_query = query_without(self.request.GET, "page", "sort", *CURSOR_PARAMS)
        return super().get_context_data(
            form=form,
            page=page,
            sort_headers=sort_headers(SORT_COLUMNS, form.value("sort", DEFAULT_SORT), filter_query),
            state_word=state_word(form.value("state", "pending")),
            can_delete=permissions.user_can_delete_at_finerworks(user),
            sync_rows=services.sync_status_rows(accounts),
            worker_running=services.worker_is_running(),
            refresh_query=self.request.GET.urlencode(),
            filter_fields=[
                (k, v) for k, v in self.request.GET.items() if k not in ("page", *CURSOR_PARAMS)
            ],
            **kwargs,
        )


class OrderDetailView(CanViewOrders, DetailView):
    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return selectors.pending_orders_for_user(self.request.user).select_related("account")

    def get_context_data(self, **kwargs):
        order = self.object
        raw = json.dumps(order.raw, indent=2, ensure_ascii=False, sort_keys=True)
        return super().get_context_data(
            raw_pretty=raw,
            can_restore=restore_offer(self.request.user, order=order),
            restored_as=order.restored_as.filter(account=order.account).first(),
            **kwargs,
        )
