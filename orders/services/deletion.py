"""Delete pending orders at FinerWorks, the lifecycle: freeze a selection and confirm it
(claiming its orders). Cancel and requeue: deletion_control. Sending: deletion_run.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, F, QuerySet, Value
from django.utils import timezone

from orders.deletion_states import deletion_move, items_move
from orders.models import BulkDeletion, BulkDeletionItem, FinerWorksAccount, PendingOrder
from orders.permissions import user_can_delete_at_finerworks, user_may_act_for
from orders.selectors import pending_orders_for_user

from .audit import finerworks_call_refusal_record
from .deletion_drafts import draft_check

Outcome = BulkDeletionItem.Outcome
State = BulkDeletion.State


def chunked(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def delete_refusal_record(*, user, account, ids=(), reason="", deletion=None) -> None:
    """Audit a delete fwadmin refused to send: the user is not granted this account.

    FinerWorks would silently act on the owner's account instead, so nothing is sent and
    the attempt is recorded rather than dropped.
    """
    finerworks_call_refusal_record(
        endpoint="delete_pending_orders",
        purpose="delete",
        account=account,
        acting_user=user,
        reason=reason or f"{user} is not granted the FinerWorks account {account}.",
        ids=ids,
        bulk_deletion=deletion,
    )


def bulk_deletion_create(
    *,
    user,
    orders: QuerySet[PendingOrder],
    via: str = "dashboard",
    scope_description: str = "",
    by_filter: bool = False,
) -> BulkDeletion:
    """Freeze the user's selection into a deletion awaiting confirmation. Sends nothing.

    The selection is re-scoped here: orders outside the user's accounts or no longer
    pending drop out, whatever the caller passed.
    """
    if not user_can_delete_at_finerworks(user):
        raise PermissionDenied("You may not delete orders at FinerWorks.")
    scoped = pending_orders_for_user(user).filter(
        # An id FinerWorks cannot take (a mirror from before records were checked) is left out.
        state=PendingOrder.State.PENDING,
        pk__in=orders.values("pk"),
        fulfillment_id__gt=0,
    )
    with transaction.atomic():
        deletion = BulkDeletion.objects.create(
            created_by=user,
            created_by_username=user.get_username(),
            via=via,
            scope_description=scope_description,
            by_filter=by_filter,
        )
        if not _items_freeze(deletion, scoped):
            raise ValidationError("No pending orders were selected.")  # rolls the row back
    return deletion


def _items_freeze(deletion: BulkDeletion, orders: QuerySet[PendingOrder]) -> int:
    """Copy the orders into the deletion's items with one INSERT ... SELECT; returns how many.

    A selection can hold tens of thousands of orders: built as model instances and
    bulk_create batches they cost ~30 us each, copied inside the database almost nothing.
    """
    item = BulkDeletionItem._meta
    copied = {  # item column <- the expression selected for it, in this order
        "deletion": Value(deletion.pk, output_field=BigIntegerField()),
        "order": F("pk"),
        "account": F("account_id"),
        "fulfillment_id": F("fulfillment_id"),
        "outcome": Value(Outcome.SELECTED.value),
        "note": Value(""),
    }
    select = orders.order_by().values(**{f"_{name}": e for name, e in copied.items()})
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(item.get_field(name).column) for name in copied)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(item.db_table)} ({columns}) {sql}", params)
        return cursor.rowcount


def bulk_deletion_accounts(deletion: BulkDeletion) -> list[FinerWorksAccount]:
    ids = deletion.items.values("account_id")
    return list(FinerWorksAccount.objects.filter(pk__in=ids).order_by("name"))


def bulk_deletion_confirm(
    *,
    deletion: BulkDeletion,
    user,
    unverified_accounts_acknowledged: bool = False,
    reason: str = "",
) -> bool:
    """Start the deletion once: claim its orders so no other deletion sends them.

    Returns False when it was already confirmed (a double submit runs nothing twice).
    """
    if deletion.created_by_id != user.pk or not user_can_delete_at_finerworks(user):
        raise PermissionDenied("Only the person who prepared this deletion may confirm it.")
    draft_check(deletion)
    accounts = bulk_deletion_accounts(deletion)
    forbidden = [a for a in accounts if not user_may_act_for(user, a)]
    for account in forbidden:
        ids = deletion.items.filter(account=account).values_list("fulfillment_id", flat=True)
        delete_refusal_record(user=user, account=account, ids=list(ids), deletion=deletion)
    if forbidden:
        names = ", ".join(a.name for a in forbidden)
        raise PermissionDenied(f"You may no longer act for {names}; nothing was sent.")
    _refuse_ignored_keys(deletion, user, accounts)
    unverified = [a.name for a in accounts if a.needs_verification]
    if unverified and not unverified_accounts_acknowledged:
        raise ValidationError(
            "FinerWorks has not been shown to honour the account key of "
            + ", ".join(unverified)
            + ". Tick the box to confirm you want to delete for it anyway."
        )
    now = timezone.now()
    with transaction.atomic():
        started = deletion_move(
            deletion, sources=[State.AWAITING], target=State.QUEUED, confirmed_at=now, reason=reason
        )
        if not started:
            return False
        # A conditional update is the claim: of two overlapping deletions only one wins a row.
        PendingOrder.objects.filter(
            pk__in=deletion.items.values("order_id"),
            state=PendingOrder.State.PENDING,
            claimed_by__isnull=True,
        ).update(claimed_by=deletion)
        lost = deletion.items.exclude(order__claimed_by=deletion).values_list(
            "pk", "order__state", "order__claimed_by__created_by_username"
        )
        by_note = defaultdict(list)
        for pk, state, holder in lost:
            if holder:
                by_note[(Outcome.CLAIMED, f"Already being deleted by {holder}.")].append(pk)
            else:
                note = f"No longer pending in the mirror ({state})."
                by_note[(Outcome.NOT_SENT, note)].append(pk)
        for (outcome, note), pks in by_note.items():
            for chunk in chunked(pks, 1000):
                items = BulkDeletionItem.objects.filter(pk__in=chunk)
                items_move(items, sources=[Outcome.SELECTED], target=outcome, note=note)
        if deletion.keeps_one_per:
            _keep_one_per_group(deletion, deletion.keeps_one_per)
    deletion.refresh_from_db()
    return True


def _keep_one_per_group(deletion: BulkDeletion, field: str) -> None:
    """ "The extra copies" never take the last copy of a group: if, since the draft, the
    copy to keep went (another deletion holds it, or it is gone), the group is let go."""
    held = PendingOrder.objects.filter(claimed_by=deletion)
    groups = set(held.values_list("account_id", field))
    for account_id, value in groups:
        group = PendingOrder.objects.filter(
            account_id=account_id, state=PendingOrder.State.PENDING, **{field: value}
        )
        if group.filter(claimed_by__isnull=True).exists():
            continue
        mine = list(group.filter(claimed_by=deletion).values_list("pk", flat=True))
        PendingOrder.objects.filter(pk__in=mine).update(claimed_by=None)
        items_move(
            deletion.items.filter(order_id__in=mine),
            sources=[Outcome.SELECTED],
            target=Outcome.NOT_SENT,
            note="Not sent: the copy this group was to keep is no longer there (another "
            "deletion holds it), and a group never loses its last copy this way.",
        )


def _refuse_ignored_keys(deletion, user, accounts) -> None:
    """No tick overrides a key FinerWorks was seen to ignore: it would hit the owner."""
    ignored = [a for a in accounts if a.key_ignored]
    for account in ignored:
        ids = deletion.items.filter(account=account).values_list("fulfillment_id", flat=True)
        reason = f"FinerWorks ignores the account key of {account}: nothing is sent for it."
        delete_refusal_record(
            user=user, account=account, ids=list(ids), reason=reason, deletion=deletion
        )
    if ignored:
        names = ", ".join(a.name for a in ignored)
        raise ValidationError(
            f"FinerWorks ignores the account key of {names}, so a delete would hit the owner "
            "account instead; nothing was sent. An administrator can run Verify on the "
            "account once FinerWorks allows the key."
        )
