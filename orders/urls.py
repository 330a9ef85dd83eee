from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="list"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="detail"),
    path("count.json", views.OrderCountView.as_view(), name="count"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("views/", views.SavedViewCreateView.as_view(), name="view_create"),
    path("views/<int:pk>/delete/", views.SavedViewDeleteView.as_view(), name="view_delete"),
    path("density/", views.DensityView.as_view(), name="density"),
    path("sync-status.json", views.SyncStatusView.as_view(), name="sync_status"),
    path("delete/", views.DeletionCreateView.as_view(), name="deletion_create"),
    path("deletions/", views.DeletionListView.as_view(), name="deletion_list"),
    path("deletions/<int:pk>/", views.DeletionDetailView.as_view(), name="deletion_detail"),
    path(
        "deletions/<int:pk>/confirm/",
        views.DeletionConfirmView.as_view(),
        name="deletion_confirm",
    ),
    path(
        "deletions/<int:pk>/discard/",
        views.DeletionDiscardView.as_view(),
        name="deletion_discard",
    ),
    path("deletions/<int:pk>/cancel/", views.DeletionCancelView.as_view(), name="deletion_cancel"),
    path(
        "deletions/<int:pk>/requeue/", views.DeletionRequeueView.as_view(), name="deletion_requeue"
    ),
    path(
        "deletions/<int:pk>/progress.json",
        views.DeletionProgressView.as_view(),
        name="deletion_progress",
    ),
    path(
        "deletions/<int:pk>/records.json",
        views.DeletionRecordsView.as_view(),
        name="deletion_records",
    ),
    path("restores/new/", views.RestoreCreateView.as_view(), name="restore_create"),
    path("restores/<int:pk>/", views.RestoreDetailView.as_view(), name="restore_detail"),
    path("restores/<int:pk>/confirm/", views.RestoreConfirmView.as_view(), name="restore_confirm"),
    path("restores/<int:pk>/recheck/", views.RestoreRecheckView.as_view(), name="restore_recheck"),
    path("restores/<int:pk>/release/", views.RestoreReleaseView.as_view(), name="restore_release"),
    path("restores/<int:pk>/discard/", views.RestoreDiscardView.as_view(), name="restore_discard"),
    path("audit/", views.CallListView.as_view(), name="call_list"),
    path("audit/export.csv", views.CallCsvView.as_view(), name="call_csv"),
    path("audit/<int:pk>/", views.CallDetailView.as_view(), name="call_detail"),
]
