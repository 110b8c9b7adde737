"""The promotion pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("promotions/", dashboard_views.promotion_list, name="dashboard-promotions"),
    path("promotions/new/", dashboard_views.promotion_new, name="dashboard-promotion-new"),
    path("promotions/<str:promotion_id>/", dashboard_views.promotion_edit, name="dashboard-promotion"),
    path("promotions/<str:promotion_id>/end/", dashboard_views.promotion_end, name="dashboard-promotion-end"),
]
