"""The busy phase of bench/load.py: a deletion confirmed and queued for the db_worker as
the dashboard's "Yes, delete" does (timed from its queueing to a final state), and
`manage.py sync_pending_orders` back to back."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import TYPE_CHECKING

from bench import _load_setup as setup

if TYPE_CHECKING:
    from bench.load import Processes


class SyncLoop(threading.Thread):
    """`manage.py sync_pending_orders`, back to back, until stopped."""

    def __init__(self, procs: Processes, env: dict):
        super().__init__(daemon=True)
        self.procs, self.env = procs, env
        self.stopping = threading.Event()
        self.current: subprocess.Popen | None = None
        self.seconds: list[float] = []
        self.cpu: list[float] = []
        self.failed = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.current = self.procs.manage(
                    self.env, "sync_pending_orders", log_name="load-sync.log"
                )
            except RuntimeError:  # the run is being torn down
                return
            # wait4, not wait(): the sync's own CPU time comes with its exit status.
            _, status, usage = os.wait4(self.current.pid, 0)
            self.current.returncode = os.waitstatus_to_exitcode(status)
            if self.current.returncode:
                self.failed += not self.stopping.is_set()
            elif not self.stopping.is_set():
                self.seconds.append(time.monotonic() - started)
                self.cpu.append(usage.ru_utime + usage.ru_stime)

    def stop(self) -> None:
        self.stopping.set()
        for _ in range(60):
            current = self.current
            if current is not None and current.poll() is None:
                current.terminate()  # a sync cut short rolls back
            self.join(timeout=0.5)
            if not self.is_alive():
                return


def deletion_draft(size: int) -> int:
    """The superuser's selection of `size` owner orders, awaiting confirmation."""
    from django.contrib.auth.models import User

    from orders.models import PendingOrder
    from orders.services import bulk_deletion_create

    owner = PendingOrder.objects.filter(account__account_key__isnull=True, state="pending")
    last = owner.order_by("fulfillment_id").values_list("fulfillment_id", flat=True)[size - 1]
    user = User.objects.get(username=setup.DELETER)
    orders = owner.filter(fulfillment_id__lte=last)
    return bulk_deletion_create(user=user, orders=orders, scope_description="bench.load").pk


def deletion_start(pk: int) -> None:
    """What the dashboard's "Yes, delete" does: confirm (claims), then queue for a worker."""
    from orders.models import BulkDeletion
    from orders.services import bulk_deletion_confirm
    from orders.tasks import bulk_deletion_enqueue

    deletion = BulkDeletion.objects.select_related("created_by").get(pk=pk)
    bulk_deletion_confirm(deletion=deletion, user=deletion.created_by)
    bulk_deletion_enqueue(deletion)


def deletion_state(pk: int) -> tuple[str, int]:
    from orders.models import BulkDeletion, BulkDeletionItem

    state = BulkDeletion.objects.values_list("state", flat=True).get(pk=pk)
    deleted = BulkDeletionItem.objects.filter(deletion_id=pk, outcome="deleted").count()
    return state, deleted


class Busy:
    """The busy phase's background work: the deletion (timed from its queueing to a final
    state) and the sync loop."""

    def __init__(self, procs: Processes, env: dict, size: int):
        self.sync = SyncLoop(procs, env)
        self.pk, self.size = deletion_draft(size), size
        self.queued = self.ended = None
        self.state = "awaiting"

    def start(self) -> None:
        deletion_start(self.pk)
        self.queued = time.monotonic()
        self.sync.start()

    def tick(self) -> None:
        from orders.deletion_states import is_terminal

        if self.queued and self.ended is None:
            self.state, _ = deletion_state(self.pk)
            if is_terminal(self.state):
                self.ended = time.monotonic()

    def finish(self, timeout: float) -> dict:
        self.sync.stop()
        outlasted = self.ended is None
        deadline = time.monotonic() + timeout
        while self.ended is None and time.monotonic() < deadline:
            time.sleep(0.5)
            self.tick()
        state, deleted = deletion_state(self.pk)
        return {
            "deletion_orders": self.size,
            "deletion_s": None if self.ended is None else self.ended - self.queued,
            "deletion_state": state,
            "deletion_deleted": deleted,
            "deletion_outlasted_phase": outlasted,
            "syncs": len(self.sync.seconds),
            "syncs_failed": self.sync.failed,
            "sync_s": self.sync.seconds,
            "sync_cpu_s": self.sync.cpu,
        }
