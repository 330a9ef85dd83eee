"""Background work (django-tasks): deletions, restores and syncs run in a worker, never in
a web request."""

from django.db import transaction

try:  # Django 6.0+ has the tasks framework built in, and django-tasks-db then serves it
    from django.tasks import task
except ImportError:  # Django 5.2: the django-tasks backport
    from django_tasks import task

from .models import BulkDeletion, BulkRestore, SyncRun
from .services import bulk_deletion_run, bulk_restore_run, sync_runs_execute


@task()
def bulk_deletion_task(deletion_id: int) -> dict:
    """Run one confirmed deletion as the user who confirmed it."""
    deletion = BulkDeletion.objects.select_related("created_by").get(pk=deletion_id)
    totals = bulk_deletion_run(deletion=deletion, acting_user=deletion.created_by)
    return totals.by_outcome


def bulk_deletion_enqueue(deletion: BulkDeletion) -> None:
    # on_commit: a worker must never pick up a deletion whose confirmation rolled back.
    transaction.on_commit(lambda: bulk_deletion_task.enqueue(deletion.pk))


@task()
def sync_runs_task(run_ids: list[int]) -> None:
    """Run queued syncs (Refresh or the schedule asked for them)."""
    sync_runs_execute(run_ids)


def sync_runs_enqueue(runs: list[SyncRun]) -> None:
    if runs:
        ids = [run.pk for run in runs]
        transaction.on_commit(lambda: sync_runs_task.enqueue(ids))


@task()
def bulk_restore_task(restore_id: int) -> None:
    """Run one confirmed restore as the user who confirmed it."""
    restore = BulkRestore.objects.select_related("created_by").get(pk=restore_id)
    bulk_restore_run(restore=restore, acting_user=restore.created_by)


def bulk_restore_enqueue(restore: BulkRestore) -> None:
    transaction.on_commit(lambda: bulk_restore_task.enqueue(restore.pk))
