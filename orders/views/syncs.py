"""Refresh from FinerWorks (a background sync) and the sync states the list header polls."""

from django.contrib import messages
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from orders import services
from orders.models import SyncRun
from orders.permissions import accounts_for_user
from orders.tasks import sync_runs_enqueue
from orders.views.base import CanViewOrders


def list_url(query: str) -> str:
    """The order list with the filters it was refreshed from (a query string only, so no
    other address can be slipped in)."""
    params = QueryDict(query[:2000])
    return f"{reverse('orders:list')}?{params.urlencode()}" if params else reverse("orders:list")


class RefreshView(CanViewOrders, View):
    """Queue a sync of the user's accounts and go straight back to the list: the request
    never waits on FinerWorks. A sync already queued or running is joined, not doubled."""

    http_method_names = ["post"]

    def post(self, request):
        services.account_owner_get_or_create()  # a fresh install has no account yet
        # Only the accounts this user may see: others are neither called nor named.
        accounts = list(accounts_for_user(request.user).order_by("name"))
        runs, created = services.sync_runs_request(accounts=accounts, user=request.user)
        sync_runs_enqueue(created)  # after this request's commit
        for run in runs:
            run.refresh_from_db()
        ended = [run for run in runs if not run.is_live]
        for run in ended:  # done already: only where tasks run at once
            level = messages.SUCCESS if run.state == SyncRun.State.DONE else messages.ERROR
            messages.add_message(request, level, run.summary)
        if live := [run for run in runs if run.is_live]:
            names = ", ".join(run.account.name for run in live)
            joined = " (already under way)" if len(created) < len(live) else ""
            text = f"Syncing in the background{joined}: {names}. The header shows how it goes."
            messages.info(request, text)
        if not runs:
            messages.error(request, "You may not see any FinerWorks account: nothing to sync.")
        return redirect(list_url(request.POST.get("query", "")))


class SyncStatusView(CanViewOrders, View):
    """JSON for the header: each of the user's accounts, its mirror's age and sync state."""

    def get(self, request):
        accounts = list(accounts_for_user(request.user).order_by("name"))
        return JsonResponse(
            {
                "accounts": services.sync_status_rows(accounts),
                "worker_running": services.worker_is_running(),
            }
        )
