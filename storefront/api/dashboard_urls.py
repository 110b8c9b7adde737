"""The api pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("api-tokens/", dashboard_views.token_list, name="dashboard-api-tokens"),
    path("api-tokens/<str:token_id>/revoke/", dashboard_views.token_revoke, name="dashboard-api-token-revoke"),
]
