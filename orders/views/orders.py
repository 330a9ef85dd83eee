"""The order list (an order's page: views/order_detail.py; Refresh: views/syncs.py)."""

from django.http import JsonResponse
from django.views import View
from django.views.generic import TemplateView

from orders import permissions, selectors, services
from orders.forms import DEFAULT_SORT, SORTS, OrderFilterForm
from orders.junk_presets import row_reasons
from orders.models import ListPreference
from orders.services.list_views import DENSITY_KEY, view_query
from orders.views.base import CanViewOrders, load_permissions
from orders.views.list_context import extras_offer, facet_options, filter_chips, preset_links
from orders.views.order_page import (
    CURSOR_PARAMS,
    OrderPage,
    query_without,
    sort_headers,
    state_word,
)

# The list's columns, each sortable by its key (OrderFilterForm's sort choices).
SORT_COLUMNS = [(key, header) for key, (header, _) in SORTS.items()]


class OrderListView(CanViewOrders, TemplateView):
    """The mirrored orders: search, filters, junk presets, sort, page size. At most nine
    queries whatever the table size: session, user, permissions, the user's accounts (with
    their facets), a count that stops at COUNT_CAP, the page (an index range, by cursor,
    however deep), the accounts' newest syncs, the workers' last beat and the saved views;
    two more with a junk preset (its reasons for the page's rows)."""

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
        junk = form.value("junk", "")
        if junk:
            row_reasons(page.object_list)
        facets = services.facets_for(accounts)
        state = form.value("state", "pending")
        return super().get_context_data(
            form=form,
            page=page,
            sort_headers=sort_headers(SORT_COLUMNS, form.value("sort", DEFAULT_SORT), filter_query),
            state_word=state_word(state),
            # The Gone and Deleted views are history: nothing there can be selected.
            can_delete=permissions.user_can_delete_at_finerworks(user)
            and state in ("pending", "all"),
            sync_rows=services.sync_status_rows(accounts),
            worker_running=services.worker_is_running(),
            refresh_query=self.request.GET.urlencode(),
            filter_fields=[
                (k, v) for k, v in self.request.GET.items() if k not in ("page", *CURSOR_PARAMS)
            ],
            presets=preset_links(self.request.GET, junk, facets["junk"]),
            junk=junk,
            offer_extras=extras_offer(junk),
            source_options=facet_options(facets["source"], form.value("source", "")),
            shipping_options=facet_options(
                facets["shipping_code"], form.value("shipping_code", "")
            ),
            chips=filter_chips(form, self.request.GET),
            saved_views=services.saved_views_for(user, accounts),
            view_query=view_query(self.request.GET),
            density=self._density(),
            **kwargs,
        )

    def _density(self) -> str:
        # Put in the session at log-in (services.list_views): no query per page.
        return self.request.session.get(DENSITY_KEY, ListPreference.Density.COMPACT)


class OrderCountView(CanViewOrders, View):
    """The exact number of orders matching the list's filters, for "Select all N" once
    the list's own count stopped at COUNT_CAP (asked for only when it is offered)."""

    def get(self, request):
        user = request.user
        accounts = list(permissions.accounts_for_user(user))
        form = OrderFilterForm(request.GET, user=user, accounts=accounts)
        form.is_valid()
        orders = form.filter(selectors.pending_orders_for_user(user, accounts=accounts))
        return JsonResponse({"count": orders.count()})
