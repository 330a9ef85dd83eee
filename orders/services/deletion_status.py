"""How a deletion stands: totals per outcome and account, progress, and the report to staff."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext

from orders.models import BulkDeletion, BulkDeletionItem

Outcome = BulkDeletionItem.Outcome


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
    """What the progress bar shows: settled orders and delete calls so far."""
    totals = bulk_deletion_totals(deletion)
    total = sum(totals.by_outcome.values())
    open_count = totals.count(Outcome.SELECTED, Outcome.SENDING)
    waiting = (
        deletion.state == BulkDeletion.State.QUEUED
        and deletion.confirmed_at is not None
        and timezone.now() - deletion.confirmed_at > timedelta(seconds=5)
    )
    return {
        "id": deletion.pk,
        "state": deletion.state,
        "state_label": deletion.get_state_display(),
        "done": deletion.is_done,
        "total": total,
        "settled": total - open_count,
        "percent": 100 if not total else round(100 * (total - open_count) / total),
        "delete_calls": deletion.calls.filter(purpose="delete").count(),
        "outcomes": totals.by_outcome,
        "waiting_for_worker": waiting,
        "error": deletion.error_message,
    }


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
