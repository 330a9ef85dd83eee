"""Small helpers shared by the deletion tests (dashboard, admin, service)."""

import os
import subprocess
import sys
from pathlib import Path

from orders.models import FinerWorksAccount, PendingOrder
from orders.services import pending_orders_sync

DELETE = "delete_pending_orders"
ROOT = Path(__file__).resolve().parent.parent


def manage_py(*args: str, env: dict, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` in a fresh process: this environment without the variables
    starting with `drop`, plus `env`."""
    base = {k: v for k, v in os.environ.items() if not (drop and k.startswith(drop))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def mirror(fw, n, *, seed, account=None):
    """Seed n orders at the sandbox for the account, mirror them, forget the sync traffic."""
    records = fw.seed(n, seed=seed, account_key=account.account_key if account else None)
    pending_orders_sync()
    fw.reset_requests()
    ids = [r["fulfillment_id"] for r in records]
    return list(PendingOrder.objects.filter(fulfillment_id__in=ids).order_by("fulfillment_id"))


def confirm(client, url, **extra):
    return client.post(url, {"confirm": "yes", **extra}, follow=True)


def shown_messages(response) -> list[str]:
    """The messages on the page and, on a finished deletion's page, its report lines."""
    report = [text for _tone, text in response.context.get("report", [])]
    return [str(m) for m in response.context["messages"]] + report


def sent_ids(fw) -> list[int]:
    return [fid for r in fw.requests_for(DELETE) for fid in r["body"]["ids"]]


def fids(orders) -> set[int]:
    return {o.fulfillment_id for o in orders}


def forget_verification(account):
    """The account's key was never proven (a mirror made before fwadmin checked keys)."""
    FinerWorksAccount.objects.filter(pk=account.pk).update(
        verification=FinerWorksAccount.Verification.UNVERIFIED
    )
    account.refresh_from_db()
