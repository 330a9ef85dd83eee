"""Restores: re-creating deleted pending orders at FinerWorks from their stored records."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from orders.deletion_states import DeletionState, is_terminal
from orders.restore_states import RestoreOutcome

from .accounts import FinerWorksAccount
from .deletions import BulkDeletion
from .orders import PendingOrder


class RestorePhase(models.TextChoices):
    SAVING = "saving", "Sending save calls"
    VERIFYING = "verifying", "Verifying what was saved"


class BulkRestore(models.Model):
    """One staff request to re-create a frozen selection of deleted orders at FinerWorks.

    It runs through the same states as a deletion, with the same fencing token: only the
    current run attempt may send or write.
    """

    State = DeletionState
    Phase = RestorePhase

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=20, default="dashboard", help_text="dashboard or admin.")
    deletion = models.ForeignKey(
        BulkDeletion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="restores",
        help_text="The deletion being undone, when the restore was started from it.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.AWAITING)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    run_attempt = models.PositiveIntegerField(
        default=0, help_text="Fencing token: only the current run attempt may write."
    )
    phase = models.CharField(max_length=10, choices=RestorePhase.choices, blank=True)
    listed_before = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per account, ids FinerWorks listed before the first save that the mirror "
        "did not know: never taken for a re-created order.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Restore #{self.pk} by {self.created_by_username} ({self.get_state_display()})"

    @property
    def is_done(self) -> bool:
        return is_terminal(self.state)


class BulkRestoreItem(models.Model):
    """One deleted order of a restore, and what became of it (its new id when restored)."""

    Outcome = RestoreOutcome

    restore = models.ForeignKey(BulkRestore, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey(
        PendingOrder, on_delete=models.PROTECT, related_name="+", help_text="The deleted order."
    )
    account = models.ForeignKey(FinerWorksAccount, on_delete=models.PROTECT, related_name="+")
    fulfillment_id = models.BigIntegerField(help_text="The deleted order's (old) id.")
    outcome = models.CharField(
        max_length=20, choices=RestoreOutcome.choices, default=RestoreOutcome.SELECTED
    )
    new_fulfillment_id = models.BigIntegerField(
        null=True, blank=True, help_text="The id FinerWorks gave the re-created order."
    )
    new_order = models.ForeignKey(
        PendingOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When its save call was sent (for a later check)."
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["restore", "order"], name="one_restore_item_per_order")
        ]
        indexes = [models.Index(fields=["restore", "outcome"], name="restore_item_outcome")]

    def __str__(self):
        return f"#{self.fulfillment_id}: {self.get_outcome_display()}"
