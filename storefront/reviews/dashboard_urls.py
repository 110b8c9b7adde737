"""The reviews pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("reviews/", dashboard_views.review_list, name="dashboard-reviews"),
    path("reviews/<str:review_id>/visibility/", dashboard_views.review_visibility, name="dashboard-review-visibility"),
    path("reviews/<str:review_id>/report/", dashboard_views.review_report, name="dashboard-review-report"),
    path("reputation/", dashboard_views.reputation_events, name="dashboard-reputation"),
    path("blocked-buyers/", dashboard_views.blocked_buyers, name="dashboard-blocked-buyers"),
    path("blocked-buyers/<str:blocked_id>/unblock/", dashboard_views.unblock, name="dashboard-blocked-buyer-unblock"),
]
