"""fwadmin's data: the local mirror of FinerWorks pending orders, who may act for which
FinerWorks account, bulk deletions, and the append-only audit of every FinerWorks call."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

from orders.db import CaseInsensitiveIndex
from orders.deletion_states import DeletionState, ItemOutcome, is_terminal
from orders.finerworks.errors import OUTCOME_CODES
from orders.text import visible_controls


class FinerWorksAccount(models.Model):
    """A FinerWorks account fwadmin acts for.

    The owner account (the one the configured API keys belong to) has no account_key and
    there is exactly one such row. Delegated accounts carry the account_key FinerWorks
    expects; FinerWorks silently ignores a key the credentials may not use, so a delegated
    account should be verified before anything is deleted for it.
    """

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Never verified"
        VERIFIED = "verified", "Verified: FinerWorks honours the key"
        NOT_HONOURED = "not_honoured", "FinerWorks ignores this key"
        INCONCLUSIVE = "inconclusive", "Inconclusive (no orders to compare)"
        FAILED = "failed", "Check failed"

    name = models.CharField(max_length=100, unique=True)
    account_key = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text="Empty for the account that owns the API keys.",
    )
    last_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="End of the last successful sync of this account."
    )
    listed_all_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a complete listing last showed every order the mirror holds pending "
        "(the 'last seen' of each of them, stored once instead of on every row).",
    )
    verification = models.CharField(
        max_length=20, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Coalesce makes the NULL key count: at most one owner account.
            models.UniqueConstraint(Coalesce("account_key", models.Value("")), name="one_owner"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_owner(self) -> bool:
        return not self.account_key

    @property
    def needs_verification(self) -> bool:
        return not self.is_owner and self.verification != self.Verification.VERIFIED

    @property
    def key_ignored(self) -> bool:
        """FinerWorks was seen to ignore this key: nothing is synced or deleted for it."""
        return not self.is_owner and self.verification == self.Verification.NOT_HONOURED


class AccountGrant(models.Model):
    """Lets one user, or every member of one group, see and act for a delegated account."""

    account = models.ForeignKey(FinerWorksAccount, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    group = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True)
                | Q(user__isnull=True, group__isnull=False),
                name="grant_user_xor_group",
            ),
            models.UniqueConstraint(fields=["account", "user"], name="one_grant_per_user"),
            models.UniqueConstraint(fields=["account", "group"], name="one_grant_per_group"),
        ]

    def __str__(self):
        return f"{self.user or self.group} may act for {self.account}"


# The order list's default sort (newest first, id last for a total order) and its filters.
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
        ]
        permissions = [("delete_at_finerworks", "Can delete pending orders at FinerWorks")]

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


class BulkDeletion(models.Model):
    """One staff request to delete a frozen selection of orders at FinerWorks."""

    State = DeletionState

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=20, default="dashboard", help_text="dashboard or admin.")
    scope_description = models.TextField(blank=True)
    by_filter = models.BooleanField(
        default=False, help_text="Selected as all orders matching a filter, not ticked."
    )
    reason = models.TextField(blank=True, help_text="Why staff deleted these (large runs).")
    state = models.CharField(max_length=10, choices=State.choices, default=State.AWAITING)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker running it."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    cancel_requested = models.BooleanField(
        default=False, help_text="Stop between chunks; the chunk in flight is still verified."
    )
    return_url = models.CharField(
        max_length=2000, blank=True, help_text="Where the selection was made (back button)."
    )
    run_attempt = models.PositiveIntegerField(
        default=0,
        help_text="Fencing token: counts the runs started; only the current run may write.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Deletion #{self.pk} by {self.created_by_username} ({self.get_state_display()})"

    @property
    def is_done(self) -> bool:
        return is_terminal(self.state)


class BulkDeletionItem(models.Model):
    """One order of a deletion, frozen at selection time, with what became of it."""

    Outcome = ItemOutcome

    deletion = models.ForeignKey(BulkDeletion, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey(PendingOrder, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(FinerWorksAccount, on_delete=models.PROTECT, related_name="+")
    fulfillment_id = models.BigIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.SELECTED)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deletion", "order"], name="one_item_per_order")
        ]
        indexes = [
            models.Index(fields=["deletion", "outcome"], name="item_outcome"),
            # A run settles its items chunk by chunk, by FinerWorks id.
            models.Index(fields=["deletion", "fulfillment_id"], name="item_fulfillment_id"),
        ]

    def __str__(self):
        return f"#{self.fulfillment_id}: {self.get_outcome_display()}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The FinerWorks call audit is append-only.")

    def delete(self):
        raise PermissionError("The FinerWorks call audit is append-only.")


class CallEndpoint(models.TextChoices):
    LIST = "list_pending_orders", "list_pending_orders"
    DELETE = "delete_pending_orders", "delete_pending_orders"
    CREDENTIALS = "test_my_credentials", "test_my_credentials"
    PRUNE = "prune_finerworks_calls", "audit pruning (local)"


class CallPurpose(models.TextChoices):
    SYNC = "sync", "Sync"
    PREFLIGHT = "preflight", "Pre-flight check"
    DELETE = "delete", "Delete"
    VERIFY = "verify", "Verification"
    ACCOUNT_CHECK = "account_check", "Account key check"
    CREDENTIALS_CHECK = "credentials_check", "Credentials check"
    RETENTION = "retention", "Audit retention"


# The client's error codes and the two the services write (orders.finerworks.errors).
CALL_OUTCOMES = [(code, code.replace("_", " ")) for code in OUTCOME_CODES]


class FinerWorksCall(models.Model):
    """One HTTP attempt to FinerWorks, or one local refusal to make it. Append-only.

    created_at: when the attempt ended. acting_user/acting_username: who caused it (the
    username is a snapshot that survives the user). endpoint: the v3 endpoint name.
    purpose: why fwadmin called (sync, preflight, delete, verify, account check).
    account: the FinerWorks account acted for. request_payload: only the allow-listed
    fields sent (ids, account_key) - never headers or keys. http_status: None when no
    answer came. outcome: ok, refused (never sent) or the client's error code. success,
    status_code, status_message, reference_id, debug: FinerWorks' `status` envelope.
    body_excerpt: the start of the response body. error_class/error_text: the failure.
    duration_ms, attempt: timing and the retry number. bulk_deletion: the deletion served.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acting_username = models.CharField(max_length=150, blank=True)
    endpoint = models.CharField(max_length=50, db_index=True, choices=CallEndpoint.choices)
    purpose = models.CharField(max_length=20, blank=True, choices=CallPurpose.choices)
    account = models.ForeignKey(
        FinerWorksAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request_payload = models.JSONField(default=dict, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=30, db_index=True, choices=CALL_OUTCOMES)
    success = models.BooleanField(null=True, blank=True, help_text="FinerWorks' status.success")
    status_code = models.IntegerField(null=True, blank=True)
    status_message = models.TextField(blank=True)
    reference_id = models.CharField(max_length=100, blank=True)
    debug = models.JSONField(null=True, blank=True)
    body_excerpt = models.TextField(blank=True)
    error_class = models.CharField(max_length=100, blank=True)
    error_text = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    bulk_deletion = models.ForeignKey(
        BulkDeletion, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="call_newest")]

    def __str__(self):
        who = self.acting_username or "system"
        status = self.http_status or "no answer"
        when = f"{self.created_at:%Y-%m-%d %H:%M:%S}"
        return f"{who} called {self.endpoint} at {when}: {self.outcome} ({status})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The FinerWorks call audit is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The FinerWorks call audit is append-only.")
