import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from orders.models import FinerWorksAccount
from orders.services import pending_orders_sync

from ._sync_bars import SyncBars


class Command(BaseCommand):
    help = "Mirror FinerWorks pending orders (all accounts, or one by name or account key)."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Account name or account_key to sync alone.")

    def handle(self, *args, account=None, verbosity=1, **options):
        # A sync is background work: on a shared machine staff pages go first.
        if settings.FWADMIN_SYNC_NICE and hasattr(os, "nice"):
            os.nice(settings.FWADMIN_SYNC_NICE)
        target = None
        if account:
            target = FinerWorksAccount.objects.filter(
                Q(name=account) | Q(account_key=account)
            ).first()
            if target is None:
                raise CommandError(f"No FinerWorks account named or keyed {account!r}.")
        # A bar per account on a terminal; scripts and cron get the summary lines only.
        stream = getattr(self.stderr, "_out", self.stderr)  # the raw stream: tqdm redraws
        bars = SyncBars(stream, enabled=verbosity > 0 and self.stderr.isatty())
        try:
            summaries = pending_orders_sync(account=target, progress=bars)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bars.close()
        for summary in summaries:
            self.stdout.write(str(summary))
        failed = [s for s in summaries if not s.ok]
        if failed:
            raise CommandError(f"Sync failed or refused for {len(failed)} account(s): {failed[0]}")
