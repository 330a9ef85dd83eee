"""Background syncs (one live run per account), the sync schedule and the workers' pulse."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .accounts import FinerWorksAccount


class SyncRun(models.Model):
    """One sync of one account, asked for by staff (Refresh), the schedule or a command."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        LISTING = "listing", "Listing at FinerWorks"
        APPLYING = "applying", "Updating the mirror"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    LIVE = (State.QUEUED, State.LISTING, State.APPLYING)

    account = models.ForeignKey(FinerWorksAccount, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=20, default="dashboard", help_text="dashboard or schedule.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True, help_text="The worker running it.")
    listed = models.PositiveIntegerField(default=0, help_text="Orders FinerWorks listed.")
    to_write = models.PositiveIntegerField(
        null=True, blank=True, help_text="New, changed or gone orders (once compared)."
    )
    summary = models.TextField(blank=True, help_text="The one-line outcome staff read.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one sync per account is queued or running: a second Refresh joins it.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(state__in=["queued", "listing", "applying"]),
                name="one_live_sync_per_account",
            )
        ]
        indexes = [models.Index(fields=["account", "-created_at"], name="sync_run_latest")]

    def __str__(self):
        return f"Sync #{self.pk} of {self.account} ({self.get_state_display()})"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE


class WorkerBeat(models.Model):
    """A `db_worker` process's last sign of life (written every few seconds while it runs)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker_id} seen {self.seen_at}"


class SyncSchedule(models.Model):
    """The one row saying when the scheduled sync is next due; a worker claims it with a
    conditional UPDATE, so two workers never start the same scheduled sync."""

    name = models.CharField(max_length=20, primary_key=True, default="every_account")
    next_due_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} next due {self.next_due_at}"
