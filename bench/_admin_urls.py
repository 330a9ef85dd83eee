"""URLs of the list-view benchmark: the product's, plus the baseline on its own AdminSite.

The baseline is the stock Django admin changelist of PendingOrder with the product admin's
list_display / list_filter / search_fields, on a separate AdminSite so nothing of the
product admin (scoping, actions) is involved. It lives here, never in product code.
"""

from django.contrib import admin
from django.urls import path

from fwadmin.urls import urlpatterns as product_urlpatterns
from orders.models import PendingOrder


class BaselineOrderAdmin(admin.ModelAdmin):
    list_display = (
        "fulfillment_id",
        "order_po",
        "recipient_name",
        "account",
        "source",
        "shipping_code",
        "total_quantity",
        "test_mode",
        "state",
        "first_seen_at",
    )
    list_filter = ("state", "account", "source", "shipping_code", "test_mode")
    search_fields = ("order_po", "recipient_name", "recipient_email", "=fulfillment_id")
    # The dashboard's default order; bench/list_view.py sets the same page size on both.
    ordering = ("-first_seen_at", "-fulfillment_id")
    list_per_page = 25


baseline_site = admin.AdminSite(name="bench_admin")
baseline_site.register(PendingOrder, BaselineOrderAdmin)

urlpatterns = [path("bench-admin/", baseline_site.urls), *product_urlpatterns]
