"""How a deletion stands: totals per outcome and account, progress, and the report to staff."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext

from orders.models import BulkDeletion, BulkDeletionItem

from .workers import worker_is_running

Outcome = BulkDeletionItem.Outcome
# No heartbeat for this long: the page says "no sign of the worker since …".
WORKER_SILENT_AFTER = timedelta(minutes=2)


@dataclass
class DeletionTotals:
    by_outcome: dict = field(default_factory=dict)
    by_account: dict = field(default_factory=dict)  # account name -> {outcome: n}

    def count(self, *outcomes) -> int:
        return sum(self.by_outcome.get(o, 0) for o in outcomes)

    @property
    def account_rows(self) -> list[tuple[str, list[tuple[str, str, int]]]]:
        """[(account, [(outcome code, words, count), ...]), ...] for templates."""
        rows = []
        for account, outcomes in self.by_account.items():
            words = [(code, _words(code), n) for code, n in outcomes.items()]
            rows.append((account, words))
        return rows


def _words(code: str) -> str:
    label = str(Outcome(code).label)
    return label[0].lower() + label[1:]


def bulk_deletion_totals(deletion: BulkDeletion) -> DeletionTotals:
    totals = DeletionTotals()
    rows = deletion.items.values("account__name", "outcome").annotate(n=Count("pk"))
    for row in rows:
        outcome, n = row["outcome"], row["n"]
        totals.by_outcome[outcome] = totals.by_outcome.get(outcome, 0) + n
        totals.by_account.setdefault(row["account__name"], {})[outcome] = n
    return totals


def bulk_deletion_progress(deletion: BulkDeletion) -> dict:
    """What the progress area shows, as data and as the very words of the page (the page
    and each poll render the same heading and line, so they always agree)."""
    totals = bulk_deletion_totals(deletion)
    total = sum(totals.by_outcome.values())
    open_count = totals.count(Outcome.SELECTED, Outcome.SENDING)
    sent = totals.count(Outcome.SENDING)  # sent, waiting for the verification
    done = deletion.is_done
    silent = _silent_since(deletion)
    running = deletion.state == BulkDeletion.State.RUNNING
    worked = total - open_count + sent
    percent = 100 if done or not total else min(99, round(100 * worked / total))
    progress = {
        "id": deletion.pk,
        "state": deletion.state,
        "state_label": deletion.get_state_display(),
        # What a run is doing; a queued one (requeued too) is doing nothing yet.
        "phase": deletion.phase if running else "",
        "phase_label": deletion.get_phase_display() if running else "",
        "done": done,
        "total": total,
        "settled": total - open_count,
        "sent_unverified": sent,
        "chunks_sent": deletion.chunks_sent,
        "chunks_total": max(deletion.chunks_total, deletion.chunks_sent),
        "percent": percent,
        "delete_calls": deletion.calls.filter(purpose="delete").count(),
        "outcomes": totals.by_outcome,
        "eta_seconds": _eta_seconds(deletion),
        "silent_since": silent,
        "silent_since_text": f"{timezone.localtime(silent):%H:%M:%S}" if silent else "",
        "worker_running": worker_is_running(),
        "error": deletion.error_message,
    }
    progress["text"] = progress_text(progress)
    return progress


def _eta_seconds(deletion: BulkDeletion) -> int | None:
    """Time left at the pace so far, once a few chunks have gone (None before)."""
    left = deletion.chunks_total - deletion.chunks_sent
    if deletion.state != BulkDeletion.State.RUNNING or deletion.chunks_sent < 3 or left <= 0:
        return None
    elapsed = (timezone.now() - deletion.started_at).total_seconds()
    return round(elapsed / deletion.chunks_sent * left)


def _silent_since(deletion: BulkDeletion):
    """When a worker last showed life for a deletion that should be running, if longer
    ago than WORKER_SILENT_AFTER (None otherwise)."""
    State = BulkDeletion.State
    if deletion.state == State.RUNNING:
        last = deletion.heartbeat_at or deletion.started_at
    elif deletion.state == State.QUEUED and deletion.confirmed_at:
        last = deletion.heartbeat_at or deletion.confirmed_at
    else:
        return None
    if last and timezone.now() - last > WORKER_SILENT_AFTER:
        return last
    return None


def progress_text(p: dict) -> str:
    parts = [f"{p['settled']:,} of {p['total']:,} orders settled"]
    if p["chunks_total"]:
        parts.append(f"{p['chunks_sent']:,} of {p['chunks_total']:,} delete calls sent")
    parts.append(p["phase_label"] or p["state_label"])
    if p["eta_seconds"] is not None:
        parts.append(f"about {_duration(p['eta_seconds'])} left")
    return " · ".join(parts)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


def _report_lines(totals: "DeletionTotals") -> list[tuple[str, tuple, str]]:
    """(tone, outcomes counted, sentence with %(n)d, plural as the count needs) of every line
    a report may have."""
    failed = (Outcome.REJECTED, Outcome.NOT_SENT, Outcome.CLAIMED)
    return [
        (
            "success",
            (Outcome.DELETED,),
            ngettext(
                "%(n)d order deleted at FinerWorks (verified).",
                "%(n)d orders deleted at FinerWorks (verified).",
                totals.count(Outcome.DELETED),
            ),
        ),
        (
            "info",
            (Outcome.ALREADY_GONE,),
            ngettext(
                "%(n)d order was already gone at FinerWorks; nothing was sent.",
                "%(n)d orders were already gone at FinerWorks; nothing was sent.",
                totals.count(Outcome.ALREADY_GONE),
            ),
        ),
        (
            "warning",
            (Outcome.STILL_PENDING,),
            ngettext(
                "%(n)d order is still pending at FinerWorks after the delete.",
                "%(n)d orders are still pending at FinerWorks after the delete.",
                totals.count(Outcome.STILL_PENDING),
            ),
        ),
        (
            "warning",
            (Outcome.UNVERIFIED,),
            ngettext(
                "%(n)d order was sent but could not be checked: it may or may not be deleted; "
                "refresh from FinerWorks to see.",
                "%(n)d orders were sent but could not be checked: they may or may not be "
                "deleted; refresh from FinerWorks to see.",
                totals.count(Outcome.UNVERIFIED),
            ),
        ),
        (
            "error",
            failed,
            ngettext(
                "%(n)d order was not deleted; see each order's reason.",
                "%(n)d orders were not deleted; see each order's reason.",
                totals.count(*failed),
            ),
        ),
    ]


def bulk_deletion_report(deletion: BulkDeletion) -> list[tuple[str, str]]:
    """(tone, sentence) pairs that tell staff how a deletion ended, per account; the tone is
    "success", "info", "warning" or "error" (the views show each in its own style)."""
    totals = bulk_deletion_totals(deletion)

    def accounts(*outcomes) -> str:
        names = [a for a, o in totals.by_account.items() if any(o.get(x) for x in outcomes)]
        return ", ".join(sorted(names))

    lines = _report_lines(totals)
    report = []
    for tone, outcomes, text in lines:
        if n := totals.count(*outcomes):
            report.append((tone, f"{text % {'n': n}} Accounts: {accounts(*outcomes)}."))
    if deletion.error_message:
        report.append(("error", deletion.error_message))
    return report


# What staff asked for; any other outcome of a finished deletion is a problem.
OUTCOMES_DONE = (Outcome.DELETED, Outcome.ALREADY_GONE)
OUTCOMES_PROBLEM = (
    Outcome.REJECTED,
    Outcome.UNVERIFIED,
    Outcome.STILL_PENDING,
    Outcome.NOT_SENT,
    Outcome.CLAIMED,
)
OUTCOMES_OPEN = (Outcome.SENDING, Outcome.SELECTED)
OUTCOMES_PROBLEMS_FIRST = (*OUTCOMES_PROBLEM, *OUTCOMES_OPEN, *OUTCOMES_DONE)  # result page
OUTCOME_SHORT = {
    Outcome.DELETED: "deleted",
    Outcome.ALREADY_GONE: "already gone",
    Outcome.REJECTED: "rejected",
    Outcome.UNVERIFIED: "unverified",
    Outcome.STILL_PENDING: "still pending",
    Outcome.NOT_SENT: "not sent",
    Outcome.CLAIMED: "claimed by another deletion",
}  # the others: their label


def outcome_counts(deletion_ids) -> dict[int, dict[str, int]]:
    """{deletion id: {outcome: n}} of many deletions, in one grouped query."""
    rows = (
        BulkDeletionItem.objects.filter(deletion_id__in=list(deletion_ids))
        .values("deletion", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["deletion"], {})[row["outcome"]] = row["n"]
    return counts


def outcome_summary(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(outcome, short words, n) of the outcomes present: what was done, then problems."""
    order = (*OUTCOMES_DONE, *OUTCOMES_PROBLEM, *OUTCOMES_OPEN)
    return [(o.value, OUTCOME_SHORT.get(o) or _words(o), counts[o]) for o in order if counts.get(o)]


def finished_with_problems(deletion: BulkDeletion, counts: dict[str, int]) -> bool:
    """Finished, but not every order was deleted (or found already gone)."""
    done = sum(counts.get(o, 0) for o in OUTCOMES_DONE)
    return deletion.state == BulkDeletion.State.FINISHED and sum(counts.values()) > done
