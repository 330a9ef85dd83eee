"""The workers' pulse: every `db_worker` process beats every few seconds, so the dashboard
can say whether any is alive, and whether the one running a given sync still is."""

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from orders.models import WorkerBeat

SEEN_WITHIN = timedelta(minutes=1)  # "a worker is running" if one beat this recently
_this_process = {"worker_id": ""}


def worker_here(worker_id: str) -> None:
    """Name the worker this process is (db_worker does, at start), for the runs it claims."""
    _this_process["worker_id"] = worker_id[:64]


def worker_of_this_process() -> str:
    return _this_process["worker_id"]


def workers_alive(worker_ids) -> set[str]:
    """Of these workers, those that beat within SEEN_WITHIN."""
    since = timezone.now() - SEEN_WITHIN
    return set(
        WorkerBeat.objects.filter(worker_id__in=set(worker_ids), seen_at__gte=since).values_list(
            "worker_id", flat=True
        )
    )


FORGET_AFTER = timedelta(days=1)


def worker_beat(worker_id: str) -> None:
    now = timezone.now()
    WorkerBeat.objects.update_or_create(worker_id=worker_id[:64], defaults={"seen_at": now})
    WorkerBeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


def worker_last_seen():
    """When any worker last beat (None: never)."""
    return WorkerBeat.objects.aggregate(last=Max("seen_at"))["last"]


def worker_is_running() -> bool:
    last = worker_last_seen()
    return last is not None and timezone.now() - last <= SEEN_WITHIN
