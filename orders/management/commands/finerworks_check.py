from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.timesince import timesince

from orders.finerworks.errors import (
    BadResponse,
    ConnectionFailed,
    CredentialsRejected,
    FinerWorksError,
    OutcomeUnknown,
    RequestRejected,
)
from orders.models import FinerWorksAccount
from orders.services import finerworks_account_verify
from orders.services.audit import finerworks_client


def diagnosis(exc: Exception) -> str:
    base = settings.FINERWORKS_BASE_URL
    if isinstance(exc, ImproperlyConfigured):
        return f"Keys not configured: {exc}"
    if isinstance(exc, CredentialsRejected):
        return "Bad keys: FinerWorks rejected FINERWORKS_WEB_API_KEY / FINERWORKS_APP_KEY."
    if isinstance(exc, ConnectionFailed):
        return f"Unreachable: no connection to {base}. Check FINERWORKS_BASE_URL and the network."
    if isinstance(exc, OutcomeUnknown):
        return f"No answer from {base} within FINERWORKS_TIMEOUT; try again or raise the timeout."
    if isinstance(exc, (BadResponse, RequestRejected)) and exc.http_status in (None, 301, 302, 404):
        return f"Wrong base URL? {base} did not answer like the FinerWorks v3 API ({exc})."
    return f"FinerWorks answered with an error: {exc}"


def readable_time(moment) -> str:
    """ "2026-12-01 23:56 UTC (3 minutes ago)", in the site's time zone; "never" for None."""
    if moment is None:
        return "never"
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({timesince(moment)} ago)"


class Command(BaseCommand):
    help = "Check the FinerWorks credentials and list accounts with their verification state."

    def add_arguments(self, parser):
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Also check that FinerWorks honours each delegated account_key (audited).",
        )

    def handle(self, *args, verify=False, **options):
        ok = True
        try:
            client = finerworks_client(purpose="credentials_check", account=None)
            client.test_my_credentials()
        except (ImproperlyConfigured, FinerWorksError) as exc:
            ok = False
            self.stdout.write(f"Credentials: {diagnosis(exc)}")
        else:
            self.stdout.write(f"Credentials: OK ({settings.FINERWORKS_BASE_URL})")
        for account in FinerWorksAccount.objects.order_by("name"):
            if ok and verify and not account.is_owner:
                account = finerworks_account_verify(account=account, acting_user=None)
            key = "owner, no account_key" if account.is_owner else "delegated"
            synced = readable_time(account.last_synced_at)
            state = "no key to verify" if account.is_owner else account.get_verification_display()
            self.stdout.write(f"  {account.name} ({key}): {state}; last synced {synced}")
        if not ok:
            raise CommandError("FinerWorks check failed.")
