"""FinerWorks accounts and who may act for which."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone


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
    facets = models.JSONField(
        default=dict,
        blank=True,
        help_text="Pending orders per source, per shipping code and per junk preset, kept "
        "by the sync and after each deletion or restore (the list's filter choices).",
    )

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
