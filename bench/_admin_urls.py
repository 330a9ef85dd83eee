"""URLs of the list-view benchmark: the product's, plus the baseline on its own AdminSite.

The baseline is the stock Django admin changelist of PendingOrder with the product admin's
list_display / list_filter / search_fields, on a separate AdminSite so nothing of the
product admin (scoping, actions) is involved. It lives here, never in product code.
"""

from django.contrib import admin
from django.urls import path

from fwadmin.urls import urlpatterns as product_urlpatterns
from orders.admin import PendingOrderAdmin
from orders.models import PendingOrder


class BaselineOrderAdmin(admin.ModelAdmin):
    # The product admin's columns, filters and search, read from it so the two cannot drift.
    list_display = PendingOrderAdmin.list_display
    list_filter = PendingOrderAdmin.list_filter
    search_fields = PendingOrderAdmin.search_fields
    # The dashboard's default order; bench/list_view.py sets the same page size on both.
    ordering = ("-first_seen_at", "-fulfillment_id")
    list_per_page = 25
    # Its display columns (isolated text), the product admin's own methods.
    po = PendingOrderAdmin.po
    recipient = PendingOrderAdmin.recipient


baseline_site = admin.AdminSite(name="bench_admin")
baseline_site.register(PendingOrder, BaselineOrderAdmin)

urlpatterns = [path("bench-admin/", baseline_site.urls), *product_urlpatterns]
