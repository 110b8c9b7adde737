"""The inbox pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("inbox/", dashboard_views.inbox, name="dashboard-inbox"),
    path("inbox/<str:conversation_id>/", dashboard_views.conversation_detail, name="dashboard-inbox-conversation"),
    path("inbox/<str:conversation_id>/reply/", dashboard_views.conversation_reply, name="dashboard-inbox-reply"),
    path("inbox/<str:conversation_id>/handled/", dashboard_views.conversation_handled, name="dashboard-inbox-handled"),
]
