"""What the list header says about each account's mirror: its age and its sync's state."""

from django.utils import timezone
from django.utils.timesince import timesince

from orders.models import SyncRun

from .sync_runs import SILENT_AFTER, runs_silent, sync_runs_latest

State = SyncRun.State


def sync_status_rows(accounts) -> list[dict]:
    """One row per account, for the header and its JSON poll (the same words in both)."""
    latest = sync_runs_latest(accounts)
    now = timezone.now()
    silent = {r.pk for r in runs_silent(latest.values(), now - SILENT_AFTER)}
    rows = []
    for account in accounts:
        run = latest.get(account.pk)
        mirrored = account.listed_all_at or account.last_synced_at
        rows.append(
            {
                "account": account.name,
                "mirrored_at": mirrored.isoformat() if mirrored else None,
                "mirror_age": f"{timesince(mirrored, now)} ago" if mirrored else "never synced",
                "run": run.pk if run else None,
                "state": run.state if run else "",
                "live": bool(run and run.is_live),
                "text": _run_text(run, now, run.pk in silent) if run else "",
            }
        )
    return rows


def _run_text(run: SyncRun, now, silent: bool) -> str:
    if silent:
        last_sign = run.heartbeat_at or run.created_at
        return (
            f"{run.get_state_display()}: no sign of the worker since "
            f"{timezone.localtime(last_sign):%H:%M:%S}. Check that "
            "`python manage.py db_worker` is running."
        )
    if run.state == State.QUEUED:
        return "Waiting for a worker…"
    if run.state == State.LISTING:
        return "Listing at FinerWorks…"
    if run.state == State.APPLYING:
        if run.to_write is None:
            return f"Updating the mirror: comparing the {run.listed:,} listed orders…"
        return (
            f"Updating the mirror: {run.to_write:,} changes to write "
            f"({run.listed:,} orders listed)."
        )
    first_line = run.summary.splitlines()[0] if run.summary else ""
    word = "Synced" if run.state == State.DONE else "Sync failed"
    ended = run.finished_at or run.created_at
    return f"{word} {timesince(ended, now)} ago: {first_line}"
