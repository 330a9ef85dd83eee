"""What staff keep of the order list: named views (a search, filters and sort) and how
dense they like the table."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedView(models.Model):
    """A named query string of the order list, the user's own or shared with everyone.

    The URL stays the source of truth: a view is only its query string, and applying it
    is following a link, so the list's scoping applies as to any other request (a shared
    view never shows orders of an account the viewer may not see).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, help_text="The list's query string.")
    shared = models.BooleanField(
        default=False, help_text="Offered to everyone who may see the accounts it names."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="one_view_name_per_owner")
        ]

    def __str__(self):
        return self.name


class ListPreference(models.Model):
    """One user's choices for the order list that outlive a session."""

    class Density(models.TextChoices):
        COMPACT = "compact", "Compact"
        COMFORTABLE = "comfortable", "Comfortable"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preference"
    )
    density = models.CharField(max_length=12, choices=Density.choices, default=Density.COMPACT)

    def __str__(self):
        return f"{self.user}: {self.get_density_display()}"
