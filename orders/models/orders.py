"""The local mirror of FinerWorks pending orders."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from orders.db import CaseInsensitiveIndex
from orders.text import visible_controls

from .accounts import FinerWorksAccount

LIST_ORDER = ["-first_seen_at", "-fulfillment_id", "-id"]
LIST_ORDER_DESC = [F(term.lstrip("-")).desc() for term in LIST_ORDER]
LIST_FILTER_COLUMNS = ["source", "shipping_code", "test_mode"]


class PendingOrder(models.Model):
    """The local mirror of one FinerWorks pending order.

    FinerWorks gives no dates, so first_seen_at/last_seen_at are ours (see last_seen).
    Rows are never removed by a sync: an order missing from a snapshot becomes `gone`, one
    deleted by fwadmin and verified becomes `deleted`.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        GONE = "gone", "Gone (submitted or deleted elsewhere)"
        DELETED = "deleted", "Deleted by fwadmin"

    account = models.ForeignKey(FinerWorksAccount, on_delete=models.PROTECT, related_name="orders")
    fulfillment_id = models.BigIntegerField(help_text="FinerWorks' pending-order id.")
    order_po = models.CharField(max_length=200, blank=True)
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_company = models.CharField(max_length=200, blank=True)
    recipient_country = models.CharField(max_length=10, blank=True)
    recipient_email = models.CharField(max_length=254, blank=True)
    source = models.CharField(max_length=50, blank=True)
    shipping_code = models.CharField(max_length=20, blank=True)
    test_mode = models.BooleanField(default=False)
    item_count = models.PositiveIntegerField(default=0)
    total_quantity = models.PositiveIntegerField(default=0)
    first_sku = models.CharField(max_length=100, blank=True)
    first_title = models.CharField(max_length=300, blank=True)
    # Computed at sync from the record (orders.junk): the junk finder and the search.
    fingerprint = models.CharField(
        max_length=32, blank=True, help_text="Recipient, address and items: equal for re-imports."
    )
    incomplete = models.CharField(
        max_length=200, blank=True, help_text="What FinerWorks would refuse at submit."
    )
    search_text = models.TextField(blank=True, help_text="What the list's search reads.")
    # Kept by services.facets for pending orders: another pending order of the account
    # shares this one's PO / fingerprint (so a duplicate preset is one index range).
    # Nullable (None = no): on SQLite an added NOT NULL column rebuilds the table, and with
    # it would go the search's triggers (migration 0016).
    duplicate_po = models.BooleanField(null=True, blank=True)
    duplicate_recipient = models.BooleanField(null=True, blank=True)
    raw = models.JSONField(help_text="The record exactly as FinerWorks listed it.")
    raw_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_by_username = models.CharField(max_length=150, blank=True)
    deleted_by_deletion = models.ForeignKey(
        "BulkDeletion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    warning = models.CharField(
        max_length=300,
        blank=True,
        help_text="Something staff must know, e.g. FinerWorks still lists it after a deletion.",
    )
    claimed_by = models.ForeignKey(
        "BulkDeletion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_orders",
        help_text="The running deletion that holds this order; no other may send it.",
    )
    restore_claimed_by = models.ForeignKey(
        "BulkRestore",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_orders",
        help_text="The restore re-creating (or that re-created) this deleted order: kept once "
        "restored, so an order is restored at most once.",
    )
    restored_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="restored_as",
        help_text="The deleted order this one re-creates (a restore gives it a new id).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "fulfillment_id"], name="one_order_per_id")
        ]
        indexes = [
            # The list's default order with its id tie-break, per state and per account:
            # every page, however deep, is one range of one of these (see OrderListView).
            # The trailing filter columns let the capped count skip the (wide) table rows.
            models.Index(
                fields=["state", *LIST_ORDER, "account", *LIST_FILTER_COLUMNS],
                name="po_list_keyset",
            ),
            models.Index(
                fields=["account", "state", *LIST_ORDER, *LIST_FILTER_COLUMNS],
                name="po_account_list",
            ),
            # The same order across every state (the "All" view), one range however deep.
            models.Index(fields=[*LIST_ORDER, "account", "state"], name="po_all_list"),
            models.Index(fields=["order_po"], name="po_order_po"),
            # The list's search: case-insensitive prefixes of PO, name and e-mail.
            CaseInsensitiveIndex(fields=["order_po"], name="po_order_po_prefix"),
            CaseInsensitiveIndex(fields=["recipient_name"], name="po_name_prefix"),
            CaseInsensitiveIndex(fields=["recipient_email"], name="po_email_prefix"),
            models.Index(fields=["source"], name="po_source"),
            models.Index(fields=["shipping_code"], name="po_shipping"),
            # The list's two text filters (case-insensitive equality), in the list's default
            # order: a filtered page and its capped count are each one index range. The
            # admin's filters use the plain indexes above.
            # The filter leads, so an unfiltered page is never tempted by these; the plain
            # column at the end covers the count (SQLite recomputes the expression).
            models.Index(
                Upper("source"), F("state"), *LIST_ORDER_DESC, F("source"), name="po_source_list"
            ),
            models.Index(
                Upper("shipping_code"),
                F("state"),
                *LIST_ORDER_DESC,
                F("shipping_code"),
                name="po_shipping_list",
            ),
            models.Index(fields=["fulfillment_id"], name="po_fulfillment_id"),
            # The junk finder: the copies of an order in its account (duplicate presets),
            # and the flagged orders in the list's order (few, so partial indexes).
            models.Index(fields=["order_po", "account", "state"], name="po_po_copies"),
            models.Index(fields=["fingerprint", "account", "state"], name="po_fingerprint_copies"),
            models.Index(
                fields=["state", *LIST_ORDER], condition=Q(test_mode=True), name="po_test_list"
            ),
            models.Index(
                fields=["state", *LIST_ORDER], condition=Q(duplicate_po=True), name="po_dup_po_list"
            ),
            models.Index(
                fields=["state", *LIST_ORDER],
                condition=Q(duplicate_recipient=True),
                name="po_dup_recipient_list",
            ),
            models.Index(
                fields=["state", *LIST_ORDER],
                condition=~Q(incomplete=""),
                name="po_incomplete_list",
            ),
        ]
        permissions = [
            ("delete_at_finerworks", "Can delete pending orders at FinerWorks"),
            ("restore_at_finerworks", "Can restore deleted pending orders at FinerWorks"),
        ]

    def __str__(self):
        # Shown by the admin in labels and titles: bidi controls made visible (orders.text).
        return visible_controls(f"#{self.fulfillment_id} {self.order_po} ({self.account})")

    @property
    def last_seen(self):
        """When FinerWorks last listed this order. A sync writes a row only when the order
        is new, changed or leaves `pending`; for the rest it stamps the account once."""
        listed_all = self.account.listed_all_at
        if self.state != self.State.PENDING or listed_all is None:
            return self.last_seen_at
        return max(self.last_seen_at, listed_all)
