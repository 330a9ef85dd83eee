"""What a restore says to staff: counts per outcome, a progress line, how it ended."""

from django.db.models import Count

from orders.models import BulkRestore, BulkRestoreItem
from orders.restore_states import RESTORE_ITEMS_OPEN

Outcome = BulkRestoreItem.Outcome


def bulk_restore_totals(restore: BulkRestore) -> dict[str, int]:
    rows = restore.items.values("outcome").annotate(n=Count("pk")).order_by()
    return {row["outcome"]: row["n"] for row in rows}


def bulk_restore_progress(restore: BulkRestore) -> dict:
    totals = bulk_restore_totals(restore)
    total = sum(totals.values())
    settled = total - sum(totals.get(o, 0) for o in RESTORE_ITEMS_OPEN)
    if restore.state == BulkRestore.State.AWAITING:
        text = "Awaiting confirmation: nothing has been sent."
    elif restore.state == BulkRestore.State.QUEUED:
        text = "Waiting for a worker (python manage.py db_worker)."
    elif not restore.is_done:
        text = f"{restore.get_phase_display() or 'Starting'}: {settled} of {total} settled."
    else:
        text = f"{restore.get_state_display()}: {settled} of {total} settled."
    return {"done": restore.is_done, "settled": settled, "total": total, "text": text}


def bulk_restore_report(restore: BulkRestore) -> list[tuple[str, str]]:
    """(tone, sentence) lines saying how a finished restore ended, problems first."""
    totals = bulk_restore_totals(restore)
    lines = []
    for outcome, tone, sentence in (
        (Outcome.WRONG_ACCOUNT, "error", "saved to the owner account: FinerWorks ignored the key"),
        (Outcome.UNVERIFIED, "warning", "with an unknown outcome: not sent again"),
        (Outcome.REJECTED, "error", "rejected by FinerWorks (reasons below)"),
        (Outcome.NOT_SAVED, "error", "not saved: FinerWorks does not list them"),
        (Outcome.NOT_SENT, "warning", "not sent"),
        (Outcome.CLAIMED, "info", "already restored or being restored by another restore"),
        (Outcome.RESTORED, "success", "restored with new ids"),
    ):
        if n := totals.get(outcome):
            lines.append((tone, f"{n} order{'s' if n != 1 else ''} {sentence}."))
    if restore.error_message:
        lines.insert(0, ("error", restore.error_message))
    return lines
