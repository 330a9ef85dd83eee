"""Helpers shared by the tests of the admin's "Delete selected orders at FinerWorks" action
(tests/test_admin_action_*.py): the admin and dashboard addresses, what the changelist posts,
a browser's press of a page's button, and the `mine` fixture (five mirrored owner orders)."""

from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from orders.models import BulkDeletion, PendingOrder
from tests.helpers import mirror

ACTION = "delete_at_finerworks"

REASON = "Duplicates imported twice from the shop"


def changelist() -> str:
    return reverse("admin:orders_pendingorder_changelist")


def change_link(order) -> str:
    return reverse("admin:orders_pendingorder_change", args=[order.pk])


def confirm_url(deletion) -> str:
    return reverse("orders:deletion_confirm", args=[deletion.pk])


def discard_url(deletion) -> str:
    return reverse("orders:deletion_discard", args=[deletion.pk])


def action_data(orders, **extra) -> dict:
    """What the changelist posts when orders are ticked and the action is applied."""
    return {
        ACTION_CHECKBOX_NAME: [str(o.pk) for o in orders],
        "action": ACTION,
        "index": 0,
        **extra,
    }


def open_confirmation(client, orders, *, url=None, **extra):
    """Apply the action and follow it to the confirmation page of the draft it froze."""
    page = client.post(url or changelist(), action_data(orders, **extra), follow=True)
    deletion = BulkDeletion.objects.get()
    assert page.redirect_chain == [(confirm_url(deletion), HTTPStatus.FOUND)]
    assert page.status_code == HTTPStatus.OK
    return page


def states(orders) -> set[str]:
    rows = PendingOrder.objects.filter(pk__in=[o.pk for o in orders])
    return set(rows.values_list("state", flat=True))


def frozen(deletion) -> set[int]:
    return set(deletion.items.values_list("fulfillment_id", flat=True))


class _Forms(HTMLParser):
    """The page's forms: their fields and their buttons (with the buttons' text)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open = False
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": [], "buttons": []})
            self._open = True
        elif tag in ("input", "textarea", "select") and self._open:
            self.forms[-1]["fields"].append(attrs)
        elif tag == "button" and self._open:
            self._button = {**attrs, "text": ""}
            self.forms[-1]["buttons"].append(self._button)

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False
        elif tag == "button":
            self._button = None


def press(page, button: str, *, tick=(), fill=None) -> tuple[str, dict[str, list[str]]]:
    """(address, data) a browser posts when `button` of the page is pressed, with the
    checkboxes named in `tick` ticked and the fields in `fill` typed into."""
    fill = fill or {}
    parser = _Forms()
    parser.feed(page.content.decode())
    pressed = [
        (form, b)
        for form in parser.forms
        for b in form["buttons"]
        if " ".join(b["text"].split()) == button
    ]
    assert pressed, f"no button {button!r} on the page"
    [(form, pushed)] = pressed
    names = {f.get("name") for f in form["fields"]}
    assert set(fill) | set(tick) <= names, f"the form has no {set(fill) | set(tick) - names}"
    data: dict[str, list[str]] = {}
    for field in form["fields"]:
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind in ("submit", "button"):
            continue
        if kind == "checkbox":
            if name in tick:
                data.setdefault(name, []).append(field.get("value", "on"))
            continue
        data.setdefault(name, []).append(str(fill.get(name, field.get("value", ""))))
    if pushed.get("name"):
        data[pushed["name"]] = [pushed.get("value", "")]
    url = pushed.get("formaction") or form["action"] or page.request["PATH_INFO"]
    return url, data


@pytest.fixture
def mine(fw, owner_account):
    return mirror(fw, 5, seed=41)
