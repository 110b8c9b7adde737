"""The archive pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("export/", dashboard_views.export_home, name="dashboard-export"),
    path("export/<str:archive_id>/", dashboard_views.export_progress, name="dashboard-export-progress"),
    path("export/<str:archive_id>/status/", dashboard_views.export_status, name="dashboard-export-status"),
    path("export/<str:archive_id>/download/", dashboard_views.export_download, name="dashboard-export-download"),
]
