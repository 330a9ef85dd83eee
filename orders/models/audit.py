"""The append-only audit of every FinerWorks call and every refusal to make one."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from orders.finerworks.errors import OUTCOME_CODES

from .accounts import FinerWorksAccount
from .deletions import BulkDeletion


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The FinerWorks call audit is append-only.")

    def delete(self):
        raise PermissionError("The FinerWorks call audit is append-only.")


class CallEndpoint(models.TextChoices):
    LIST = "list_pending_orders", "list_pending_orders"
    DELETE = "delete_pending_orders", "delete_pending_orders"
    CREDENTIALS = "test_my_credentials", "test_my_credentials"
    SAVE = "save_pending_orders", "save_pending_orders"
    PRUNE = "prune_finerworks_calls", "audit pruning (local)"


class CallPurpose(models.TextChoices):
    SYNC = "sync", "Sync"
    PREFLIGHT = "preflight", "Pre-flight check"
    DELETE = "delete", "Delete"
    VERIFY = "verify", "Verification"
    RESTORE = "restore", "Restore"
    RESTORE_VERIFY = "restore_verify", "Restore verification"
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
    bulk_restore = models.ForeignKey(
        "BulkRestore", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
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
