"""The deletion state machine: the states of a bulk deletion and of its items, the allowed
transitions as data, and the one way to perform a transition.

A deletion::

    AWAITING --confirm--> QUEUED --a worker starts it--> RUNNING --> FINISHED
       |                    |                              |  |---> FAILED --requeue--> QUEUED
       +--cancel----------> CANCELLED <----cancel----------+  |
                                                              +--requeue (worker gone)--> QUEUED

Each RUNNING carries a fencing token (BulkDeletion.run_attempt, taken in QUEUED -> RUNNING):
a worker whose token is no longer current may write nothing and send nothing more.

An item (one order of a deletion)::

    SELECTED --marked before its chunk is sent--> SENDING --> DELETED | STILL_PENDING
       |                                            |         | UNVERIFIED | REJECTED | NOT_SENT
       |                                            +--a resumed run finds it still listed,
       |                                               never applied--> SELECTED
       +--> ALREADY_GONE | NOT_SENT | CLAIMED | STILL_PENDING (nothing sent)
    DELETED --a later sync still lists it--> STILL_PENDING

Every state and outcome write goes through `transition`: a conditional UPDATE that only
moves rows still in an allowed source state, and reports how many it moved, so two writers
racing for the same row cannot both win. This module imports no model: models.py takes
its choices from here.
"""

from django.db import models


class DeletionState(models.TextChoices):
    AWAITING = "awaiting", "Awaiting confirmation"
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ItemOutcome(models.TextChoices):
    SELECTED = "selected", "Selected"
    SENDING = "sending", "Sent, not yet verified"
    DELETED = "deleted", "Deleted (verified)"
    STILL_PENDING = "still_pending", "Still pending at FinerWorks"
    ALREADY_GONE = "already_gone", "Already gone before sending"
    REJECTED = "rejected", "Rejected by FinerWorks"
    UNVERIFIED = "unverified", "Outcome unknown (verification failed)"
    NOT_SENT = "not_sent", "Not sent"
    CLAIMED = "claimed", "Already being deleted by another deletion"


S, O = DeletionState, ItemOutcome  # noqa: E741 (short names keep the tables readable)
DELETION_TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.RUNNING, S.CANCELLED}),
    S.RUNNING: frozenset({S.FINISHED, S.FAILED, S.CANCELLED, S.QUEUED}),
    S.FAILED: frozenset({S.QUEUED}),
    S.FINISHED: frozenset(),
    S.CANCELLED: frozenset(),
}
ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    O.SELECTED: frozenset(
        {O.SENDING, O.ALREADY_GONE, O.NOT_SENT, O.CLAIMED, O.STILL_PENDING, O.REJECTED}
    ),
    O.SENDING: frozenset(
        {O.SELECTED, O.DELETED, O.STILL_PENDING, O.UNVERIFIED, O.REJECTED, O.NOT_SENT}
    ),
    O.DELETED: frozenset({O.STILL_PENDING}),
    O.STILL_PENDING: frozenset(),
    O.ALREADY_GONE: frozenset(),
    O.REJECTED: frozenset(),
    O.UNVERIFIED: frozenset(),
    O.NOT_SENT: frozenset(),
    O.CLAIMED: frozenset(),
}
# A run has ended (FAILED may still be requeued); the others are open.
FINAL = frozenset({S.FINISHED, S.FAILED, S.CANCELLED})
OPEN = frozenset(DELETION_TRANSITIONS) - FINAL
# Items a run still has to settle.
ITEMS_OPEN = frozenset({O.SELECTED, O.SENDING})


def is_terminal(state: str) -> bool:
    return state in FINAL


class IllegalTransition(ValueError):
    """A write the state machine does not allow (a bug in the caller, never user input)."""


def _check(table: dict, sources, target: str) -> list[str]:
    sources = [sources] if isinstance(sources, str) else list(sources)
    for source in sources:
        if target not in table[source]:
            raise IllegalTransition(f"{source} -> {target} is not an allowed transition")
    return sources


def transition(rows, *, field: str, sources, target: str, table=None, **values) -> int:
    """Move the rows of `rows` (a queryset) still in one of `sources` to `target`, with
    `values` written alongside, in one conditional UPDATE; returns how many moved.

    `field` is "state" (a BulkDeletion or BulkRestore) or "outcome" (an item: a
    BulkDeletionItem unless `table` gives another item table, e.g. a restore's).
    """
    if table is None:
        table = DELETION_TRANSITIONS if field == "state" else ITEM_TRANSITIONS
    sources = _check(table, sources, target)
    return rows.filter(**{f"{field}__in": sources}).update(**{field: target}, **values)


def deletion_move(deletion, *, sources, target: str, where: dict | None = None, **values) -> bool:
    """Move one deletion (optionally only if `where` holds, e.g. its fencing token still
    current); True if this call won the transition."""
    rows = type(deletion).objects.filter(pk=deletion.pk, **(where or {}))
    return bool(transition(rows, field="state", sources=sources, target=target, **values))


def items_move(items, *, sources, target: str, note=None, **values) -> int:
    """Settle items still in one of `sources` as `target` (with a note for staff)."""
    if note is not None:  # text, or an expression built from the current note
        values["note"] = note[:500] if isinstance(note, str) else note
    return transition(items, field="outcome", sources=sources, target=target, **values)
