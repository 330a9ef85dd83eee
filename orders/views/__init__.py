"""Dashboard views: thin; querysets come from selectors, actions from services."""

from orders.views.audit import CallCsvView, CallDetailView, CallListView
from orders.views.deletion_confirm import (
    DeletionConfirmView,
    DeletionCreateView,
    DeletionDiscardView,
)
from orders.views.deletions import (
    DeletionCancelView,
    DeletionDetailView,
    DeletionListView,
    DeletionProgressView,
    DeletionRecordsView,
    DeletionRequeueView,
)
from orders.views.list_actions import DensityView, SavedViewCreateView, SavedViewDeleteView
from orders.views.order_detail import OrderDetailView
from orders.views.orders import OrderCountView, OrderListView
from orders.views.restores import (
    RestoreConfirmView,
    RestoreCreateView,
    RestoreDetailView,
    RestoreDiscardView,
    RestoreRecheckView,
    RestoreReleaseView,
)
from orders.views.syncs import RefreshView, SyncStatusView

__all__ = [
    "CallCsvView",
    "CallDetailView",
    "CallListView",
    "DeletionCancelView",
    "DeletionConfirmView",
    "DeletionDiscardView",
    "DeletionCreateView",
    "DeletionDetailView",
    "DeletionListView",
    "DeletionProgressView",
    "DeletionRecordsView",
    "DeletionRequeueView",
    "DensityView",
    "OrderCountView",
    "OrderDetailView",
    "OrderListView",
    "RefreshView",
    "SavedViewCreateView",
    "SavedViewDeleteView",
    "RestoreConfirmView",
    "RestoreCreateView",
    "RestoreDetailView",
    "RestoreDiscardView",
    "RestoreRecheckView",
    "RestoreReleaseView",
    "SyncStatusView",
]
