"""Bulk deletions and the outcome of each order in them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from orders.deletion_states import DeletionState, ItemOutcome, is_terminal

from .accounts import FinerWorksAccount
from .orders import PendingOrder


class DeletionPhase(models.TextChoices):
    PREFLIGHT = "preflight", "Checking what FinerWorks still lists"
    SENDING = "sending", "Sending delete calls"
    VERIFYING = "verifying", "Verifying what was sent"


class BulkDeletion(models.Model):
    """One staff request to delete a frozen selection of orders at FinerWorks."""

    State = DeletionState
    Phase = DeletionPhase

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
    keeps_one_per = models.CharField(
        max_length=20,
        blank=True,
        help_text="Extra copies of duplicates: the field (order_po or fingerprint) whose "
        "groups must each keep one pending order when this deletion is confirmed.",
    )
    # What the run is doing now, for the progress bar (written with each heartbeat).
    phase = models.CharField(max_length=10, choices=DeletionPhase.choices, blank=True)
    chunks_total = models.PositiveIntegerField(default=0, help_text="Delete calls planned.")
    chunks_sent = models.PositiveIntegerField(default=0, help_text="Delete calls made so far.")

    class Meta:
        ordering = ["-created_at"]
        permissions = [("requeue_deletion", "Can put a stalled deletion back in the queue")]

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
