"""Syncs as background work: Refresh and the schedule ask for one, a worker runs it, staff
watch its state in the list header. The web request never waits on FinerWorks.

At most one sync per account is queued or running (a database constraint): asking again
joins the live one. A sync may safely run twice (its writes re-check every row), so a run
whose worker fell silent is replaced on the next request rather than waited on forever.
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from orders.models import FinerWorksAccount, SyncRun
from orders.permissions import accounts_for_user

from .audit import finerworks_call_refusal_record
from .sync import pending_orders_sync
from .workers import worker_of_this_process, workers_alive

State = SyncRun.State
# No sign of the worker for this long: the header says so (a listing beats before and
# after the call to FinerWorks, an apply before its writes).
SILENT_AFTER = timedelta(minutes=2)
# A live run silent this long is taken for dead and replaced when a sync is asked again.
REPLACE_AFTER = timedelta(minutes=10)


def sync_runs_request(*, accounts, user, via: str = "dashboard") -> tuple[list, list]:
    """(every live run of these accounts, the runs created now and to be queued)."""
    runs, created = [], []
    for account in accounts:
        run, new = _live_or_new(account, user, via)
        runs.append(run)
        if new:
            created.append(run)
    return runs, created


def _live_or_new(account: FinerWorksAccount, user, via: str) -> tuple[SyncRun, bool]:
    live = SyncRun.objects.filter(account=account, state__in=SyncRun.LIVE)
    _replace_dead(live)
    for _ in range(3):  # a live run may start or end between the read and the insert
        if run := live.first():
            return run, False  # join it
        try:
            with transaction.atomic():
                return SyncRun.objects.create(account=account, requested_by=user, via=via), True
        except IntegrityError:  # another request created one meanwhile: join that
            continue
    raise IntegrityError(f"No sync of {account} could be queued or joined; try again.")


def runs_silent(runs, since) -> list[SyncRun]:
    """Of these live runs, those with no sign of life since `since` whose worker (if
    known) has stopped beating too: a worker deep in a long write is not dead."""
    quiet = [r for r in runs if r.is_live and (r.heartbeat_at or r.created_at) < since]
    alive = workers_alive(r.worker_id for r in quiet if r.worker_id)
    return [r for r in quiet if r.worker_id not in alive]


def _replace_dead(live) -> None:
    dead = runs_silent(list(live.all()), timezone.now() - REPLACE_AFTER)  # `live` uncached
    SyncRun.objects.filter(pk__in=[r.pk for r in dead], state__in=SyncRun.LIVE).update(
        state=State.FAILED,
        finished_at=timezone.now(),
        summary="No sign of the worker for 10 minutes; replaced by a new sync.",
    )


def sync_runs_execute(run_ids: list[int]) -> None:
    """Run the queued syncs, the owner's first (each delegated listing is checked against
    the owner's fresh mirror). A run another worker took, or one that ended, is skipped."""
    runs = SyncRun.objects.filter(pk__in=run_ids).select_related("account", "requested_by")
    for run in sorted(runs, key=lambda r: (not r.account.is_owner, r.account.name)):
        if _claim(run):
            _execute(run)


def _claim(run: SyncRun) -> bool:
    now = timezone.now()
    fields = {"state": State.LISTING, "started_at": now, "heartbeat_at": now}
    fields["worker_id"] = worker_of_this_process()
    return bool(SyncRun.objects.filter(pk=run.pk, state=State.QUEUED).update(**fields))


def _execute(run: SyncRun) -> None:
    user = run.requested_by
    if run.via == "dashboard" and not accounts_for_user(user).filter(pk=run.account_id).exists():
        reason = f"{user} may no longer see the account {run.account}."
        finerworks_call_refusal_record(
            endpoint="list_pending_orders",
            purpose="sync",
            account=run.account,
            acting_user=user,
            reason=reason,
        )
        _finish(run, State.FAILED, reason)
        return

    def progress(account, *, listed=None, to_write=None, compared=None, written=None, **_):
        # `written` comes inside the sync's transaction: a row written then would show
        # only at its end (and would wait on SQLite's lock), so nothing is kept of it.
        if written is not None:
            return
        fields = {"heartbeat_at": timezone.now()}  # `compared` is a sign of life only
        if listed is not None:
            fields.update(state=State.APPLYING, listed=listed)
        if to_write is not None:
            fields["to_write"] = to_write
        SyncRun.objects.filter(pk=run.pk, state__in=SyncRun.LIVE).update(**fields)

    try:
        [summary] = pending_orders_sync(account=run.account, acting_user=user, progress=progress)
    except ImproperlyConfigured as exc:
        _finish(run, State.FAILED, str(exc))
        return
    except Exception as exc:
        _finish(run, State.FAILED, f"The sync stopped unexpectedly: {exc!r}")
        raise
    _finish(run, State.DONE if summary.ok else State.FAILED, str(summary))


def _finish(run: SyncRun, state: str, summary: str) -> None:
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk, state__in=SyncRun.LIVE).update(
        state=state, finished_at=now, heartbeat_at=now, summary=summary[:2000]
    )
    run.refresh_from_db()


def sync_runs_latest(accounts) -> dict[int, SyncRun]:
    """The newest run of each account (live or ended), by account id: one query."""
    newest = SyncRun.objects.filter(account=OuterRef("pk")).order_by("-created_at", "-pk")
    ids = (
        FinerWorksAccount.objects.filter(pk__in=[a.pk for a in accounts])
        .annotate(run=Subquery(newest.values("pk")[:1]))
        .values("run")
    )
    return {run.account_id: run for run in SyncRun.objects.filter(pk__in=ids)}
