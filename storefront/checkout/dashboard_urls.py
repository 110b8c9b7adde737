"""The checkout pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from platform.kit.routes import list_routes

from . import dashboard_views

urlpatterns = [
    path("checkout-settings/", dashboard_views.checkout_settings, name="dashboard-checkout-settings"),
    *list_routes(
        "shipping",
        "zone_id",
        list_view=dashboard_views.zone_list,
        new_view=dashboard_views.zone_new,
        item_view=dashboard_views.zone_edit,
        list_name="dashboard-shipping",
        item_name="dashboard-shipping-zone",
        actions={"delete": dashboard_views.zone_delete},
    ),
    path("shipping/<str:zone_id>/rates/new/", dashboard_views.rate_new, name="dashboard-shipping-rate-new"),
    path("shipping/<str:zone_id>/rates/<str:rate_id>/", dashboard_views.rate_edit, name="dashboard-shipping-rate"),
    path(
        "shipping/<str:zone_id>/rates/<str:rate_id>/delete/",
        dashboard_views.rate_delete,
        name="dashboard-shipping-rate-delete",
    ),
    *list_routes(
        "discounts",
        "discount_id",
        list_view=dashboard_views.discount_list,
        new_view=dashboard_views.discount_new,
        item_view=dashboard_views.discount_edit,
        list_name="dashboard-discounts",
        item_name="dashboard-discount",
        actions={"deactivate": dashboard_views.discount_deactivate},
    ),
]
