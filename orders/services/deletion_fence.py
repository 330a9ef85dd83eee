"""One run attempt of a deletion, fenced: it may write only while its token is current.

A worker can be paused (SIGSTOP, a long GC, a frozen VM) until its heartbeat looks stale
and `deletions --requeue` hands the deletion to another worker. When the first one wakes
it must send and write nothing more: every write of a run happens inside `guard()`, whose
first statement re-checks the token in an UPDATE of the deletion row. That row stays
locked until the write commits, so a requeue cannot slip in between the check and the write.
"""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.deletion_states import DeletionState, deletion_move
from orders.models import BulkDeletion
from orders.permissions import user_can_delete_at_finerworks, user_may_act_for


class Superseded(Exception):
    """Another run attempt holds the deletion now: this one stops without a write."""


class CancelRequested(Exception):
    """Staff asked this run to stop: nothing more is sent (what is in flight is verified)."""


def run_take(run) -> bool:
    """Start a queued deletion or restore in this worker; False if another took it. The
    state change from queued is the lock, and it takes this attempt's fencing token."""
    now = timezone.now()
    taken = deletion_move(
        run,
        sources=[DeletionState.QUEUED],
        target=DeletionState.RUNNING,
        started_at=now,
        heartbeat_at=now,
        run_attempt=F("run_attempt") + 1,
    )
    run.refresh_from_db()
    return taken


class RunFence:
    """A deletion's run attempt, or a restore's (`run`: any model with the same state,
    run_attempt, heartbeat_at and cancel_requested columns; `may`: the permission check)."""

    def __init__(
        self, deletion, acting_user, *, may=user_can_delete_at_finerworks, verb="delete"
    ) -> None:
        self.deletion = deletion
        self.token = deletion.run_attempt
        self.acting_user = acting_user
        self.superseded = False
        self.planned: dict[int, int] = {}  # delete calls this run plans, by account
        self._may, self._verb = may, verb
        self._label = "Restore" if verb == "restore" else "Deletion"

    def _mine(self):
        return type(self.deletion).objects.filter(
            pk=self.deletion.pk, run_attempt=self.token, state=BulkDeletion.State.RUNNING
        )

    @contextmanager
    def guard(self, *, unless_cancelled: bool = False, **progress):
        """A transaction in which this run is still the current one (and alive); with
        unless_cancelled, CancelRequested if staff asked to stop. One UPDATE either way,
        which also writes `progress` (phase, chunk counts) with the heartbeat."""
        with transaction.atomic():
            rows = self._mine().filter(cancel_requested=False) if unless_cancelled else self._mine()
            if not rows.update(heartbeat_at=timezone.now(), **progress):
                if unless_cancelled and self._mine().exists():
                    raise CancelRequested
                self.superseded = True
                raise Superseded(f"{self._label} #{self.deletion.pk} is run by another worker now.")
            yield

    def progress(self, **fields) -> None:
        """Say what the run is doing now (with a heartbeat); a superseded run says nothing."""
        self._mine().update(heartbeat_at=timezone.now(), **fields)

    def check(self) -> None:
        """Before every delete attempt (retries too): Superseded if no longer current."""
        if not self._mine().exists():
            self.superseded = True
            raise Superseded(f"{self._label} #{self.deletion.pk} is run by another worker now.")

    def cancel_requested(self) -> bool:
        run = type(self.deletion).objects.filter(pk=self.deletion.pk, cancel_requested=True)
        return run.exists()

    def refusal(self, account) -> str:
        """Why the acting user may not (or no longer) delete for this account ("" if they
        may), read fresh: a permission or grant revoked mid-run counts at the next chunk."""
        user = self.acting_user
        if user is not None:
            user = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
        if user is None or not self._may(user):
            return f"{self.acting_user} may no longer {self._verb} orders at FinerWorks."
        if not user_may_act_for(user, account):
            return f"{self.acting_user} may not act for the FinerWorks account {account}."
        return ""
