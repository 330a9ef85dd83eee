"""Helpers shared by the task-queue deletion tests (tests/test_background_*.py): the outcomes
of a deletion's items and the bodies of the delete calls the sandbox received."""

from orders.models import BulkDeletionItem

Outcome = BulkDeletionItem.Outcome


def delete_bodies(fw):
    return [r["body"] for r in fw.requests_for("delete_pending_orders")]
