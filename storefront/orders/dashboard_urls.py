"""The orders pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("orders/", dashboard_views.order_list, name="dashboard-orders"),
    path("orders/export.csv", dashboard_views.order_export_csv, name="dashboard-orders-export"),
    path("orders/export-lines.csv", dashboard_views.order_lines_export_csv, name="dashboard-orders-export-lines"),
    path("sales/", dashboard_views.sales_overview, name="dashboard-sales"),
    path("orders/<str:order_number>/", dashboard_views.order_detail, name="dashboard-order"),
    path("orders/<str:order_number>/fulfil/", dashboard_views.order_fulfil, name="dashboard-order-fulfil"),
    path("orders/<str:order_number>/delivered/", dashboard_views.order_delivered, name="dashboard-order-delivered"),
    path(
        "orders/<str:order_number>/shipments/<str:shipment_id>/delivered/",
        dashboard_views.shipment_delivered,
        name="dashboard-order-shipment-delivered",
    ),
    path("orders/<str:order_number>/refund/", dashboard_views.order_refund, name="dashboard-order-refund"),
    path("orders/<str:order_number>/cancel/", dashboard_views.order_cancel, name="dashboard-order-cancel"),
    path(
        "orders/<str:order_number>/returns/<str:return_id>/accept/",
        dashboard_views.return_accept,
        name="dashboard-order-return-accept",
    ),
    path(
        "orders/<str:order_number>/returns/<str:return_id>/refuse/",
        dashboard_views.return_refuse,
        name="dashboard-order-return-refuse",
    ),
]
