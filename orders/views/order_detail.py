"""An order's page: its record laid out (items, recipient's address), the record itself
folded, and what staff can do with the order (delete it, restore it).

The record is JSON as FinerWorks listed it, never checked field by field: any field may be
missing or of another type. The rows are built here, defensively, never in the template.
"""

import json
from urllib.parse import urlsplit

from django.views.generic import DetailView

from orders import permissions, selectors
from orders.models import PendingOrder
from orders.views.base import CanViewOrders
from orders.views.restores import restore_offer

TEXT_LIMIT = 500  # characters of one field shown in the tables (the record shows all)
URL_LIMIT = 2000
LINK_SCHEMES = ("http", "https")


def shown_text(value) -> str:
    """A field of the record as text: "" when missing, nested values as compact JSON."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif isinstance(value, bool | int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text[:TEXT_LIMIT]


def web_link(value) -> str:
    """`value` if it is an http(s) URL to a host, else "": javascript:, data:, relative
    paths, blanks or controls inside, and anything not a string are never links."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url or len(url) > URL_LIMIT or " " in url or not url.isprintable():
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return ""
    return url


def item_rows(record: dict) -> tuple[list[dict], int]:
    """(one row per item of the record, how many entries could not be read as an item)."""
    items = record.get("order_items")
    if items is None:
        return [], 0
    if not isinstance(items, list):
        return [], 1
    rows = []
    for item in items:
        if not isinstance(item, dict):
            continue
        image = item.get("product_image")
        url = image.get("product_url_file") if isinstance(image, dict) else None
        rows.append(
            {
                "sku": shown_text(item.get("product_sku")),
                "title": shown_text(item.get("product_title")),
                "quantity": shown_text(item.get("product_qty")),
                "image_url": web_link(url),
                "image_text": shown_text(url),
            }
        )
    return rows, len(items) - len(rows)


def address_lines(record: dict) -> list[str]:
    """The recipient as an address's lines: name, company, street lines, city with state or
    province and zip, country, phone, e-mail (the empty ones left out)."""
    recipient = record.get("recipient")
    if not isinstance(recipient, dict):
        return []

    def field(name: str) -> str:
        return shown_text(recipient.get(name)).strip()

    name = " ".join(part for part in (field("first_name"), field("last_name")) if part)
    region = " ".join(
        part for part in (field("state_code"), field("province"), field("zip_postal_code")) if part
    )
    place = ", ".join(part for part in (field("city"), region) if part)
    lines = [
        name,
        field("company_name"),
        field("address_1"),
        field("address_2"),
        field("address_3"),
        place,
        field("country_code"),
        field("phone"),
        field("email"),
    ]
    return [line for line in lines if line]


def delete_offer(user, order: PendingOrder) -> bool:
    """A single-order "Delete at FinerWorks…": a pending order no deletion holds."""
    return (
        order.state == PendingOrder.State.PENDING
        and order.claimed_by_id is None
        and order.fulfillment_id > 0
        and permissions.user_can_delete_at_finerworks(user)
    )


class OrderDetailView(CanViewOrders, DetailView):
    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return selectors.pending_orders_for_user(self.request.user).select_related("account")

    def get_context_data(self, **kwargs):
        order, user = self.object, self.request.user
        record = order.raw if isinstance(order.raw, dict) else {}
        items, unreadable = item_rows(record)
        raw = json.dumps(order.raw, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        return super().get_context_data(
            raw_pretty=raw,
            can_restore=restore_offer(user, order=order),
            restored_as=order.restored_as.filter(account=order.account).first(),
            items=items,
            items_unreadable=unreadable,
            address=address_lines(record),
            recipient_unreadable=not isinstance(record.get("recipient"), dict | None),
            can_delete=delete_offer(user, order),
            **kwargs,
        )
