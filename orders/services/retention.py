"""Audit retention: the one sanctioned way rows leave the append-only FinerWorksCall table."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connection, transaction
from django.utils import timezone

from orders.deletion_states import OPEN
from orders.models import FinerWorksCall

UNFINISHED = sorted(OPEN)


@dataclass
class PruneResult:
    deleted: int
    kept_for_unfinished: int


def finerworks_calls_prune(
    *, before: date, batch_size: int = 1000, acting_user=None
) -> PruneResult:
    """Delete audit rows older than `before`, in batches, and record that it happened.

    Rows of deletions that have not finished stay: they are still evidence in use.
    """
    cutoff = timezone.make_aware(datetime.combine(before, time.min))
    old = FinerWorksCall.objects.filter(created_at__lt=cutoff)
    kept = old.filter(bulk_deletion__state__in=UNFINISHED).count()
    prunable = old.exclude(bulk_deletion__state__in=UNFINISHED)
    table = FinerWorksCall._meta.db_table
    deleted = 0
    while True:
        ids = list(prunable.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The only key that opens the database trigger guarding the audit table.
                cursor.execute("SET LOCAL fwadmin.audit_prune = 'on'")
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({placeholders})", ids)  # noqa: S608
            deleted += cursor.rowcount
    with transaction.atomic(durable=True):
        FinerWorksCall.objects.create(
            acting_user=acting_user if acting_user and acting_user.is_authenticated else None,
            acting_username=acting_user.get_username() if acting_user else "",
            endpoint="prune_finerworks_calls",
            purpose="retention",
            outcome="ok",
            attempt=0,
            status_message=(
                f"Deleted {deleted} audit rows from before {before.isoformat()}; kept {kept} "
                "linked to unfinished deletions."
            ),
        )
    return PruneResult(deleted=deleted, kept_for_unfinished=kept)
