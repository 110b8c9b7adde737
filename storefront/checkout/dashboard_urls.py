"""The checkout pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("checkout-settings/", dashboard_views.checkout_settings, name="dashboard-checkout-settings"),
    path("shipping/", dashboard_views.zone_list, name="dashboard-shipping"),
    path("shipping/new/", dashboard_views.zone_new, name="dashboard-shipping-zone-new"),
    path("shipping/<str:zone_id>/", dashboard_views.zone_edit, name="dashboard-shipping-zone"),
    path("shipping/<str:zone_id>/delete/", dashboard_views.zone_delete, name="dashboard-shipping-zone-delete"),
    path("shipping/<str:zone_id>/rates/new/", dashboard_views.rate_new, name="dashboard-shipping-rate-new"),
    path("shipping/<str:zone_id>/rates/<str:rate_id>/", dashboard_views.rate_edit, name="dashboard-shipping-rate"),
    path(
        "shipping/<str:zone_id>/rates/<str:rate_id>/delete/",
        dashboard_views.rate_delete,
        name="dashboard-shipping-rate-delete",
    ),
    path("discounts/", dashboard_views.discount_list, name="dashboard-discounts"),
    path("discounts/new/", dashboard_views.discount_new, name="dashboard-discount-new"),
    path("discounts/<str:discount_id>/", dashboard_views.discount_edit, name="dashboard-discount"),
    path(
        "discounts/<str:discount_id>/deactivate/",
        dashboard_views.discount_deactivate,
        name="dashboard-discount-deactivate",
    ),
]
