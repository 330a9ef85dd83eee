from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from orders.models import BulkDeletion
from orders.services import bulk_deletion_progress, bulk_deletion_requeue
from orders.tasks import bulk_deletion_enqueue


class Command(BaseCommand):
    help = "List recent bulk deletions, or re-queue a stuck or failed one (--requeue ID)."

    def add_arguments(self, parser):
        parser.add_argument("--requeue", type=int, metavar="ID")
        parser.add_argument(
            "--force", action="store_true", help="Re-queue even if its worker looks alive."
        )
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, requeue=None, force=False, limit=20, **options):
        if requeue is None:
            recent = list(BulkDeletion.objects.order_by("-created_at")[:limit])
            if not recent:
                self.stdout.write("No deletions yet.")
            for deletion in recent:
                p = bulk_deletion_progress(deletion)
                self.stdout.write(
                    f"#{deletion.pk:<6} {deletion.state:<9} {p['settled']}/{p['total']} settled "
                    f"by {deletion.created_by_username} at {deletion.created_at:%Y-%m-%d %H:%M}"
                )
            return
        deletion = BulkDeletion.objects.filter(pk=requeue).first()
        if deletion is None:
            raise CommandError(f"No deletion #{requeue}.")
        try:
            bulk_deletion_requeue(deletion=deletion, force=force)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        bulk_deletion_enqueue(deletion)
        self.stdout.write(f"Deletion #{deletion.pk} re-queued; sent chunks are verified first.")
