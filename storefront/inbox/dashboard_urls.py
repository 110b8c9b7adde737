"""The inbox pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("inbox/", dashboard_views.inbox, name="dashboard-inbox"),
    path("inbox/<str:message_id>/", dashboard_views.message_detail, name="dashboard-inbox-message"),
    path("inbox/<str:message_id>/handled/", dashboard_views.message_handled, name="dashboard-inbox-handled"),
]
