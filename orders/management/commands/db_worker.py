"""`db_worker`: django-tasks-db's worker, plus a pulse thread that says this worker is alive
(for the dashboard) and starts the scheduled sync when it is due (FWADMIN_SYNC_EVERY_MINUTES).
"""

import logging
import os
import threading

from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from orders.services import scheduled_sync_claim, worker_beat, worker_here
from orders.tasks import sync_runs_enqueue

logger = logging.getLogger("orders.worker")
PULSE_SECONDS = 5.0


def pulse_once(worker_id: str) -> None:
    """One beat: this worker is alive; queue the scheduled sync if it is due."""
    try:
        worker_beat(worker_id)
        sync_runs_enqueue(scheduled_sync_claim())
    except DatabaseError:  # SQLite busy under a long write: the next beat tries again
        logger.warning("Worker pulse skipped: the database was busy.")
    except Exception:  # the pulse must outlive any one failure, or the worker looks dead
        logger.exception("Worker pulse failed; trying again at the next beat.")
    finally:
        connections.close_all()  # this thread's own connections only


class Pulse(threading.Thread):
    def __init__(self, worker_id: str, every: float = PULSE_SECONDS) -> None:
        super().__init__(name="fwadmin-pulse", daemon=True)
        self.worker_id, self.every = worker_id, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            pulse_once(self.worker_id)
            self.stopped.wait(self.every)


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker: deletions and syncs from the queue, the scheduled sync, "
        "and a beat the dashboard shows."
    )

    def handle(self, *args, worker_id: str, **options) -> None:
        worker_here(worker_id)  # the syncs this process runs name it
        if options.get("batch"):  # runs what is queued, then exits: one beat is enough
            pulse_once(worker_id)
            return super().handle(*args, worker_id=worker_id, **options)
        pulse = Pulse(worker_id)
        # With --reload the first process only watches files; its child runs the tasks.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            pulse.start()
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            pulse.stopped.set()
