"""The deletion state machine (orders/deletion_states.py) on real rows: every allowed
transition moves a row, every other one is refused before any write, and a row that is no
longer in the expected state is left alone (the writer lost the race)."""

from itertools import product

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from orders.deletion_states import (
    DELETION_TRANSITIONS,
    FINAL,
    ITEM_TRANSITIONS,
    ITEMS_OPEN,
    OPEN,
    DeletionState,
    IllegalTransition,
    ItemOutcome,
    deletion_move,
    is_terminal,
    items_move,
    transition,
)
from orders.models import BulkDeletion, BulkDeletionItem, PendingOrder

pytestmark = pytest.mark.django_db

TABLES = {"state": DELETION_TRANSITIONS, "outcome": ITEM_TRANSITIONS}
CHOICES = {"state": DeletionState.values, "outcome": ItemOutcome.values}


def pairs(field, allowed):
    table = TABLES[field]
    return [
        pytest.param(field, source, target, id=f"{field}:{source}->{target}")
        for source, target in product(CHOICES[field], repeat=2)
        if (target in table[source]) == allowed
    ]


ALLOWED = pairs("state", True) + pairs("outcome", True)
ILLEGAL = pairs("state", False) + pairs("outcome", False)


@pytest.fixture
def make_row(owner_account):
    """A real BulkDeletion (field "state") or BulkDeletionItem ("outcome") in `value`; returns
    a queryset of just that row."""
    user = User.objects.create_user("mover")
    now = timezone.now()
    order = PendingOrder.objects.create(
        account=owner_account,
        fulfillment_id=100001,
        raw={},
        raw_hash="x",
        first_seen_at=now,
        last_seen_at=now,
    )

    def make(field, value):
        if field == "state":
            deletion = BulkDeletion.objects.create(
                created_by=user, created_by_username="mover", state=value
            )
            return BulkDeletion.objects.filter(pk=deletion.pk)
        deletion = BulkDeletion.objects.create(created_by=user, created_by_username="mover")
        item = BulkDeletionItem.objects.create(
            deletion=deletion,
            order=order,
            account=owner_account,
            fulfillment_id=order.fulfillment_id,
            outcome=value,
        )
        return BulkDeletionItem.objects.filter(pk=item.pk)

    return make


def current(rows, field):
    return rows.values_list(field, flat=True).get()


# ---------------------------------------------------------------------------- the tables


def test_the_tables_cover_every_state_and_lead_only_to_known_states():
    for field, table in TABLES.items():
        assert set(table) == set(CHOICES[field])
        assert set().union(*table.values()) <= set(CHOICES[field])


def test_open_and_final_split_the_deletion_states_and_agree_with_is_done():
    assert OPEN | FINAL == set(DeletionState.values)
    assert not OPEN & FINAL
    for state in DeletionState.values:
        assert is_terminal(state) == (state in FINAL) == BulkDeletion(state=state).is_done
    # A finished or cancelled deletion never moves again; only a failed one is requeued.
    assert {s for s in FINAL if DELETION_TRANSITIONS[s]} == {DeletionState.FAILED}
    assert DELETION_TRANSITIONS[DeletionState.FAILED] == {DeletionState.QUEUED}
    # An open deletion can always get somewhere: none is stuck.
    assert all(DELETION_TRANSITIONS[s] for s in OPEN)


def test_an_item_a_run_still_has_to_settle_can_be_settled():
    assert ItemOutcome.SELECTED in ITEMS_OPEN and ItemOutcome.SENDING in ITEMS_OPEN
    for outcome in ITEMS_OPEN:
        assert ITEM_TRANSITIONS[outcome] - ITEMS_OPEN
    # Settled items move no more, except a verified deletion a later sync contradicts.
    moving = {o for o in ItemOutcome.values if ITEM_TRANSITIONS[o]} - ITEMS_OPEN
    assert moving == {ItemOutcome.DELETED}
    assert ITEM_TRANSITIONS[ItemOutcome.DELETED] == {ItemOutcome.STILL_PENDING}


# ---------------------------------------------------------------------------- on real rows


@pytest.mark.parametrize("field, source, target", ALLOWED)
def test_an_allowed_transition_moves_the_row_and_reports_one(make_row, field, source, target):
    rows = make_row(field, source)

    assert transition(rows, field=field, sources=[source], target=target) == 1

    assert current(rows, field) == target


@pytest.mark.parametrize("field, source, target", ILLEGAL)
def test_a_transition_not_in_the_table_is_refused_and_writes_nothing(
    make_row, field, source, target
):
    rows = make_row(field, source)

    with pytest.raises(IllegalTransition, match=f"{source} -> {target}"):
        transition(rows, field=field, sources=[source], target=target)

    assert current(rows, field) == source


@pytest.mark.parametrize("field, source, target", ALLOWED)
def test_a_row_no_longer_in_the_expected_state_is_left_alone(make_row, field, source, target):
    for other in CHOICES[field]:
        if other == source:
            continue
        rows = make_row(field, other)

        assert transition(rows, field=field, sources=[source], target=target) == 0

        assert current(rows, field) == other


def test_one_illegal_source_among_legal_ones_refuses_the_whole_write(make_row):
    rows = make_row("state", DeletionState.RUNNING)
    sources = [DeletionState.RUNNING, DeletionState.FINISHED]

    with pytest.raises(IllegalTransition):
        transition(rows, field="state", sources=sources, target=DeletionState.QUEUED)

    assert current(rows, "state") == DeletionState.RUNNING


def test_of_two_writers_racing_for_a_row_only_the_first_wins(make_row):
    rows = make_row("state", DeletionState.QUEUED)
    [deletion] = rows

    first = deletion_move(deletion, sources=[DeletionState.QUEUED], target=DeletionState.RUNNING)
    second = deletion_move(deletion, sources=[DeletionState.QUEUED], target=DeletionState.RUNNING)

    assert (first, second) == (True, False)
    assert current(rows, "state") == DeletionState.RUNNING


def test_a_move_writes_its_values_with_the_new_state_and_only_on_a_win(make_row):
    rows = make_row("state", DeletionState.RUNNING)
    [deletion] = rows
    stamp = timezone.now()

    lost = deletion_move(
        deletion,
        sources=[DeletionState.RUNNING],
        target=DeletionState.FAILED,
        where={"run_attempt": 7},  # another attempt's fencing token
        error_message="from a stale worker",
    )
    won = deletion_move(
        deletion,
        sources=[DeletionState.RUNNING],
        target=DeletionState.FINISHED,
        where={"run_attempt": 0},
        finished_at=stamp,
    )

    assert (lost, won) == (False, True)
    deletion.refresh_from_db()
    assert (deletion.state, deletion.error_message, deletion.finished_at) == (
        DeletionState.FINISHED,
        "",
        stamp,
    )


def test_settling_items_sets_their_note_and_moves_only_those_in_a_source(make_row):
    selected = make_row("outcome", ItemOutcome.SELECTED)
    settled = make_row("outcome", ItemOutcome.ALREADY_GONE)
    both = selected | settled

    moved = items_move(
        both, sources=[ItemOutcome.SELECTED], target=ItemOutcome.NOT_SENT, note="x" * 600
    )

    assert moved == 1
    assert selected.values_list("outcome", "note").get() == (ItemOutcome.NOT_SENT, "x" * 500)
    assert settled.values_list("outcome", "note").get() == (ItemOutcome.ALREADY_GONE, "")
