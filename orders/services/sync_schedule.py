"""The scheduled sync (FWADMIN_SYNC_EVERY_MINUTES), started by the workers' pulse.

The schedule is one row whose due time a worker moves forward with a conditional UPDATE,
so of two workers only one wins each slot."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import FinerWorksAccount, SyncRun, SyncSchedule

from .accounts import account_owner_get_or_create
from .sync_runs import sync_runs_request

KEEP_SYNC_RUNS = timedelta(days=30)


def scheduled_sync_claim() -> list:
    """If the scheduled sync is due (FWADMIN_SYNC_EVERY_MINUTES), claim this slot and ask a
    sync of every account; the runs created, to be queued (none if not due or taken)."""
    minutes = settings.FWADMIN_SYNC_EVERY_MINUTES
    if not minutes:
        return []
    now = timezone.now()
    try:
        with transaction.atomic():
            SyncSchedule.objects.get_or_create(defaults={"next_due_at": now})
    except IntegrityError:  # another worker created it at the same moment
        pass
    won = SyncSchedule.objects.filter(next_due_at__lte=now).update(
        next_due_at=now + timedelta(minutes=minutes)
    )
    if not won:
        return []
    # The history of syncs is kept a month (the audit keeps every call regardless).
    SyncRun.objects.filter(finished_at__lt=now - KEEP_SYNC_RUNS).delete()
    account_owner_get_or_create()
    _runs, created = sync_runs_request(
        accounts=FinerWorksAccount.objects.order_by("name"), user=None, via="schedule"
    )
    return created
