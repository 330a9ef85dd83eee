from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orders.services.retention import finerworks_calls_prune


class Command(BaseCommand):
    help = "Delete FinerWorks call audit rows older than a date (in batches; itself audited)."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD; older rows go.")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, before, batch_size, **options):
        try:
            cutoff = date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError(f"--before must be a date like 2026-01-31, not {before!r}.") from exc
        if cutoff > timezone.localdate():
            raise CommandError("--before may not be in the future.")
        if not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be between 1 and 10000.")
        result = finerworks_calls_prune(before=cutoff, batch_size=batch_size)
        self.stdout.write(
            f"Deleted {result.deleted} FinerWorks call rows from before {cutoff}; "
            f"kept {result.kept_for_unfinished} linked to unfinished deletions."
        )
