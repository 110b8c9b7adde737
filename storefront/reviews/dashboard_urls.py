"""The reviews pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("reviews/", dashboard_views.review_list, name="dashboard-reviews"),
    path("reviews/<str:review_id>/visibility/", dashboard_views.review_visibility, name="dashboard-review-visibility"),
]
