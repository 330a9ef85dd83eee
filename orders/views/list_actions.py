"""The order list's own small actions: save or delete a named view, switch the density.
Each answers with a redirect back to the list, its query string kept."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from orders import services
from orders.services.list_views import DENSITY_KEY, view_query
from orders.views.base import CanViewOrders


def _back(request) -> str:
    query = view_query(QueryDict(request.POST.get("query", "")))
    return reverse("orders:list") + (f"?{query}" if query else "")


class SavedViewCreateView(CanViewOrders, View):
    http_method_names = ["post"]

    def post(self, request):
        params = QueryDict(request.POST.get("query", ""))
        try:
            view = services.saved_view_create(
                user=request.user,
                name=request.POST.get("name", ""),
                params=params,
                shared=request.POST.get("shared") == "on",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"View “{view.name}” saved.")
        return redirect(_back(request))


class SavedViewDeleteView(CanViewOrders, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        if services.saved_view_delete(user=request.user, pk=pk):
            messages.info(request, "View deleted.")
        else:
            messages.error(request, "Only your own views can be deleted.")
        return redirect(_back(request))


class DensityView(CanViewOrders, View):
    http_method_names = ["post"]

    def post(self, request):
        try:
            services.list_density_set(user=request.user, density=request.POST.get("density", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            request.session[DENSITY_KEY] = request.POST["density"]
        return redirect(_back(request))
