"""Forms: they turn query strings and posts into clean values or clear messages."""

from functools import cached_property

from django import forms
from django.db.models import QuerySet, Value
from django.db.models.functions import Upper

from .db import Unindexed
from .junk_presets import PRESETS, junk_filter, preset_label
from .models import PendingOrder
from .parsing import whole_number
from .permissions import accounts_for_user
from .search import search_orders

# The list's sortable columns, in header order: key -> (header, ordering fields). The
# list's headers and this form's choices both come from here.
SORTS = {
    "fulfillment_id": ("Id", ("fulfillment_id",)),
    "order_po": ("Order PO", ("order_po", "fulfillment_id")),
    "recipient": ("Recipient", ("recipient_name", "fulfillment_id")),
    "account": ("Account", ("account__name", "fulfillment_id")),
    "source": ("Source", ("source", "fulfillment_id")),
    "shipping": ("Ship", ("shipping_code", "fulfillment_id")),
    "items": ("Items / qty", ("total_quantity", "fulfillment_id")),
    "test_mode": ("Test", ("test_mode", "fulfillment_id")),
    "state": ("State", ("state", "fulfillment_id")),
    "first_seen": ("First seen", ("first_seen_at", "fulfillment_id")),
}
SORT_CHOICES = [(k, k) for k in SORTS] + [(f"-{k}", f"-{k}") for k in SORTS]
DEFAULT_SORT = "-first_seen"
PAGE_SIZES = [25, 50, 100, 200]
MAX_IDS_POSTED = 500  # well under Django's 1,000-field limit; pages hold at most 200


class OrderFilterForm(forms.Form):
    """The list view's search, filters, sort and page size (all from the query string)."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    account = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(
        required=False,
        choices=[("", "Pending"), *[(s, s.capitalize()) for s in ("gone", "deleted", "all")]],
    )
    source = forms.CharField(required=False, max_length=50)
    shipping_code = forms.CharField(required=False, max_length=20, label="Shipping")
    test_mode = forms.ChoiceField(
        required=False, choices=[("", "Test or live"), ("yes", "Test only"), ("no", "Live only")]
    )
    junk = forms.ChoiceField(required=False, choices=[("", "All orders"), *PRESETS.items()])
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    page_size = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(n, n) for n in PAGE_SIZES], empty_value=25
    )

    def __init__(self, *args, user, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The user's accounts, loaded once (or passed in): choices, validation and the
        # account names of the list all come from this one query.
        self.accounts = list(accounts_for_user(user) if accounts is None else accounts)
        self.fields["account"].choices = [
            ("", "All accounts"),
            *((account.pk, account.name) for account in self.accounts),
        ]
        self.fields["junk"].choices = [("", "All orders")] + [
            (preset, preset_label(preset)) for preset in PRESETS
        ]

    @cached_property
    def choice_options(self) -> dict[str, list[tuple[str, str, bool]]]:
        """(value, label, selected) of each choice field, for the list's selects: a loop in
        the page is a fraction of the cost of Django's widget templates, which took a
        fifth of a list page's time."""
        options = {}
        for name in ("account", "state", "test_mode", "page_size"):
            current = str(self[name].value() or "")
            options[name] = [
                (str(value), str(label), str(value) == current)
                for value, label in self.fields[name].choices
            ]
        return options

    def clean_account(self):
        pk = self.cleaned_data.get("account")
        return next((account for account in self.accounts if account.pk == pk), None)

    def value(self, name, default=None):
        """The cleaned value, or the default when missing or invalid (errors are shown)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def filter(self, orders: QuerySet[PendingOrder]) -> QuerySet[PendingOrder]:
        """Apply the filters. The search matches any part of the PO, the recipient's name,
        company or e-mail, or an item's SKU or title, in any case (the admin's icontains,
        served by an index: orders.search), or the exact FinerWorks id."""
        q = self.value("q", "").strip()
        # While searching, the search's indexes must drive the query, not state/account.
        orders = orders.alias(_state=Unindexed("state"), _account=Unindexed("account_id"))
        state_field, account_field = ("_state", "_account") if q else ("state", "account")
        state = self.value("state", PendingOrder.State.PENDING)
        if state != "all":
            orders = orders.filter(**{state_field: state})
        if account := self.value("account"):
            orders = orders.filter(**{account_field: account.pk})
        # Case-insensitive equality written as UPPER(column) = UPPER(value): the form the
        # indexes po_source_list and po_shipping_list hold, in the list's order.
        if source := self.value("source"):
            orders = orders.alias(_source=Upper("source")).filter(
                _source=Upper(Value(source.strip()))
            )
        if shipping := self.value("shipping_code"):
            orders = orders.alias(_shipping=Upper("shipping_code")).filter(
                _shipping=Upper(Value(shipping.strip()))
            )
        test_mode = self.value("test_mode")
        if test_mode:
            orders = orders.filter(test_mode=test_mode == "yes")
        if junk := self.value("junk"):
            orders = junk_filter(orders, junk, state_field=state_field)
        if q:
            orders = search_orders(orders, q, or_fulfillment_id=whole_number(q.lstrip("#")))
        return orders

    def ordering(self) -> list[str]:
        """The sort's columns, then the id: a total order, which cursor paging needs."""
        sort = self.value("sort", DEFAULT_SORT)
        fields = [*SORTS[sort.lstrip("-")][1], "id"]
        return [f"-{f}" for f in fields] if sort.startswith("-") else fields

    def describe(self) -> str:
        """The filter in words, for the confirmation page ("source = excel, account Acme")."""
        parts = []
        state = self.value("state", "pending")
        parts.append("in any state" if state == "all" else f"state = {state}")
        for name in ("account", "source", "shipping_code"):
            if value := self.value(name):
                parts.append(f"{self.fields[name].label or name} = {value}")
        if test_mode := self.value("test_mode"):
            parts.append("test orders only" if test_mode == "yes" else "live orders only")
        if q := self.value("q"):
            parts.append(f'matching "{q}"')
        if junk := self.value("junk"):
            parts.append(f"flagged “{preset_label(junk)}”")
        return ", ".join(parts)


class SelectionForm(forms.Form):
    """The orders ticked on the list page (local ids), or "all matching the filter"."""

    orders = forms.CharField(required=False)  # read as a list in clean_orders
    select_all = forms.BooleanField(required=False)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.posted_ids = data.getlist("orders") if hasattr(data, "getlist") else []

    def clean_orders(self) -> list[int]:
        ids = []
        for raw in self.posted_ids:
            fid = whole_number(raw)
            if not fid:  # None, or 0
                raise forms.ValidationError(f"“{raw[:30]}” is not an order id.")
            ids.append(fid)
        if len(ids) > MAX_IDS_POSTED:
            raise forms.ValidationError(
                f"Select at most {MAX_IDS_POSTED} orders by hand; use “select all matching”."
            )
        return sorted(set(ids))

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("select_all") and not data.get("orders"):
            raise forms.ValidationError("Select at least one order to delete.")
        return data


class ConfirmDeletionForm(forms.Form):
    """The final "yes". Large or filter-chosen deletions also need the count typed and a
    reason, so nobody deletes thousands of orders with one careless click."""

    acknowledge_unverified = forms.BooleanField(
        required=False,
        label="I understand FinerWorks has not been shown to honour this account's key.",
    )
    typed_count = forms.IntegerField(required=False, label="Type the number of orders")
    reason = forms.CharField(
        required=False, max_length=500, label="Reason", widget=forms.TextInput(attrs={"size": 50})
    )
    # The count the page showed: if the selection changed since, the page is shown again.
    shown_count = forms.IntegerField(
        required=False, min_value=0, max_value=2**31, widget=forms.HiddenInput
    )

    def __init__(self, *args, count: int, needs_typing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count
        self.needs_typing = needs_typing

    def clean(self):
        data = super().clean()
        shown = data.get("shown_count")
        if shown is not None and shown != self.count:
            raise forms.ValidationError(
                f"The selection changed since the page was shown: {self.count} of its orders "
                "can be sent now. Check them and confirm again."
            )
        if self.needs_typing:
            if data.get("typed_count") != self.count:
                self.add_error("typed_count", f"Type {self.count} to confirm the number.")
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "Say why these orders are being deleted.")
        return data
