"""The restore state machine: what can become of one order of a restore, as data.

A restore runs through the same states as a deletion (deletion_states.DeletionState,
fenced the same way). An item (one deleted order to re-create)::

    SELECTED --marked before its call is sent--> SAVING --> RESTORED | REJECTED | NOT_SAVED
       |                                           |         | WRONG_ACCOUNT | UNVERIFIED
       |                                           +--a 400 named other orders of the call
       |                                              (FinerWorks saved none)--> SELECTED
       +--> NOT_SENT | CLAIMED (nothing sent)
    UNVERIFIED --a later complete listing--> RESTORED | NOT_SAVED | WRONG_ACCOUNT

A save is not idempotent: an item leaves SAVING only on a readable answer or a complete
listing, so nothing is ever sent twice on a guess.
"""

from django.db import models

from orders.deletion_states import transition


class RestoreOutcome(models.TextChoices):
    SELECTED = "selected", "Selected"
    SAVING = "saving", "Sent, not yet verified"
    RESTORED = "restored", "Restored (verified, new id)"
    REJECTED = "rejected", "Rejected by FinerWorks"
    NOT_SAVED = "not_saved", "Not saved (FinerWorks does not list it)"
    UNVERIFIED = "unverified", "Outcome unknown (not yet verified)"
    WRONG_ACCOUNT = "wrong_account", "Saved to the owner account (key ignored)"
    NOT_SENT = "not_sent", "Not sent"
    CLAIMED = "claimed", "Already restored or being restored"


O = RestoreOutcome  # noqa: E741
RESTORE_ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    O.SELECTED: frozenset({O.SAVING, O.NOT_SENT, O.CLAIMED}),
    O.SAVING: frozenset(
        {O.SELECTED, O.RESTORED, O.REJECTED, O.NOT_SAVED, O.UNVERIFIED, O.WRONG_ACCOUNT}
    ),
    O.UNVERIFIED: frozenset({O.RESTORED, O.NOT_SAVED, O.WRONG_ACCOUNT}),
    O.RESTORED: frozenset(),
    O.REJECTED: frozenset(),
    O.NOT_SAVED: frozenset(),
    O.WRONG_ACCOUNT: frozenset(),
    O.NOT_SENT: frozenset(),
    O.CLAIMED: frozenset(),
}
# Items whose order may be restored again by a later restore (FinerWorks has no copy).
RELEASED = frozenset({O.REJECTED, O.NOT_SAVED, O.NOT_SENT})
# Items a run still has to settle.
RESTORE_ITEMS_OPEN = frozenset({O.SELECTED, O.SAVING, O.UNVERIFIED})


def restore_items_move(items, *, sources, target: str, note=None, **values) -> int:
    """Settle restore items still in one of `sources` as `target` (conditional UPDATE)."""
    if note is not None:
        values["note"] = note[:500]
    return transition(
        items,
        field="outcome",
        sources=sources,
        target=target,
        table=RESTORE_ITEM_TRANSITIONS,
        **values,
    )
