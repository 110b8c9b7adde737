"""Dashboard URLs, under /dashboard/ on every store host."""

from django.urls import path

from storefront.api import dashboard_views as api_token_views
from storefront.archive import dashboard_views as archive_views
from storefront.checkout import dashboard_views as checkout_views
from storefront.inbox import dashboard_views as inbox_views
from storefront.orders import dashboard_views as order_views
from storefront.reviews import dashboard_views as review_views

from . import catalog_views, payments_views, views

urlpatterns = [
    path("", views.home, name="dashboard-home"),
    path("login/", views.login, name="dashboard-login"),
    path("logout/", views.logout, name="dashboard-logout"),
    path("handoff/", views.handoff, name="dashboard-handoff"),
    path("invitations/<str:token>/", views.accept_invitation, name="dashboard-accept-invitation"),
    path("settings/", views.store_settings, name="dashboard-settings"),
    path("homepage/", views.homepage, name="dashboard-homepage"),
    path("pages/", views.pages, name="dashboard-pages"),
    path("pages/new/", views.page_edit, name="dashboard-page-new"),
    path("pages/<slug:slug>/", views.page_edit, name="dashboard-page-edit"),
    path("navigation/", views.navigation, name="dashboard-navigation"),
    path("staff/", views.staff, name="dashboard-staff"),
    path("staff/<int:membership_id>/remove/", views.staff_remove, name="dashboard-staff-remove"),
    path("domains/", views.domains, name="dashboard-domains"),
    path("domains/<int:claim_id>/verify/", views.domain_verify, name="dashboard-domain-verify"),
    path("domains/<int:claim_id>/remove/", views.domain_remove, name="dashboard-domain-remove"),
    path("close/", views.close, name="dashboard-close"),
    path("export/", archive_views.export_home, name="dashboard-export"),
    path("export/<str:archive_id>/", archive_views.export_progress, name="dashboard-export-progress"),
    path("export/<str:archive_id>/status/", archive_views.export_status, name="dashboard-export-status"),
    path("export/<str:archive_id>/download/", archive_views.export_download, name="dashboard-export-download"),
    path("billing/", views.billing, name="dashboard-billing"),
    path("billing/cancel/", views.billing_cancel, name="dashboard-billing-cancel"),
    path("billing/resume/", views.billing_resume, name="dashboard-billing-resume"),
    path("billing/portal/", views.billing_portal, name="dashboard-billing-portal"),
    path("payments/", payments_views.payments, name="dashboard-payments"),
    path("payments/connect/", payments_views.payments_connect, name="dashboard-payments-connect"),
    path("payments/return/", payments_views.payments_return, name="dashboard-payments-return"),
    path("payments/refresh/", payments_views.payments_refresh, name="dashboard-payments-refresh"),
    path("products/", catalog_views.product_list, name="dashboard-products"),
    path("products/new/", catalog_views.product_new, name="dashboard-product-new"),
    path("products/import/", catalog_views.catalog_import_new, name="dashboard-product-import"),
    path(
        "products/import/<str:import_id>/",
        catalog_views.catalog_import_progress,
        name="dashboard-product-import-progress",
    ),
    path(
        "products/import/<str:import_id>/status/",
        catalog_views.catalog_import_status,
        name="dashboard-product-import-status",
    ),
    path("products/export/", catalog_views.catalog_export_new, name="dashboard-product-export"),
    path(
        "products/export/<str:export_id>/",
        catalog_views.catalog_export_progress,
        name="dashboard-product-export-progress",
    ),
    path(
        "products/export/<str:export_id>/status/",
        catalog_views.catalog_export_status,
        name="dashboard-product-export-status",
    ),
    path(
        "products/export/<str:export_id>/download/",
        catalog_views.catalog_export_download,
        name="dashboard-product-export-download",
    ),
    path("products/<str:product_id>/", catalog_views.product_edit, name="dashboard-product"),
    path("products/<str:product_id>/delete/", catalog_views.product_delete, name="dashboard-product-delete"),
    path("products/<str:product_id>/images/", catalog_views.image_add, name="dashboard-product-image-add"),
    path(
        "products/<str:product_id>/images/<str:image_id>/delete/",
        catalog_views.image_delete,
        name="dashboard-product-image-delete",
    ),
    path(
        "products/<str:product_id>/variants/<str:variant_id>/",
        catalog_views.variant_edit,
        name="dashboard-product-variant",
    ),
    path(
        "products/<str:product_id>/variants/<str:variant_id>/stock/",
        catalog_views.variant_stock,
        name="dashboard-product-variant-stock",
    ),
    path("orders/", order_views.order_list, name="dashboard-orders"),
    path("orders/export.csv", order_views.order_export_csv, name="dashboard-orders-export"),
    path("orders/export-lines.csv", order_views.order_lines_export_csv, name="dashboard-orders-export-lines"),
    path("sales/", order_views.sales_overview, name="dashboard-sales"),
    path("orders/<str:order_number>/", order_views.order_detail, name="dashboard-order"),
    path("orders/<str:order_number>/fulfil/", order_views.order_fulfil, name="dashboard-order-fulfil"),
    path("orders/<str:order_number>/delivered/", order_views.order_delivered, name="dashboard-order-delivered"),
    path(
        "orders/<str:order_number>/shipments/<str:shipment_id>/delivered/",
        order_views.shipment_delivered,
        name="dashboard-order-shipment-delivered",
    ),
    path("orders/<str:order_number>/refund/", order_views.order_refund, name="dashboard-order-refund"),
    path("orders/<str:order_number>/cancel/", order_views.order_cancel, name="dashboard-order-cancel"),
    path(
        "orders/<str:order_number>/returns/<str:return_id>/accept/",
        order_views.return_accept,
        name="dashboard-order-return-accept",
    ),
    path(
        "orders/<str:order_number>/returns/<str:return_id>/refuse/",
        order_views.return_refuse,
        name="dashboard-order-return-refuse",
    ),
    path("checkout-settings/", checkout_views.checkout_settings, name="dashboard-checkout-settings"),
    path("shipping/", checkout_views.zone_list, name="dashboard-shipping"),
    path("shipping/new/", checkout_views.zone_new, name="dashboard-shipping-zone-new"),
    path("shipping/<str:zone_id>/", checkout_views.zone_edit, name="dashboard-shipping-zone"),
    path("shipping/<str:zone_id>/delete/", checkout_views.zone_delete, name="dashboard-shipping-zone-delete"),
    path("shipping/<str:zone_id>/rates/new/", checkout_views.rate_new, name="dashboard-shipping-rate-new"),
    path("shipping/<str:zone_id>/rates/<str:rate_id>/", checkout_views.rate_edit, name="dashboard-shipping-rate"),
    path(
        "shipping/<str:zone_id>/rates/<str:rate_id>/delete/",
        checkout_views.rate_delete,
        name="dashboard-shipping-rate-delete",
    ),
    path("discounts/", checkout_views.discount_list, name="dashboard-discounts"),
    path("discounts/new/", checkout_views.discount_new, name="dashboard-discount-new"),
    path("discounts/<str:discount_id>/", checkout_views.discount_edit, name="dashboard-discount"),
    path(
        "discounts/<str:discount_id>/deactivate/",
        checkout_views.discount_deactivate,
        name="dashboard-discount-deactivate",
    ),
    path("reviews/", review_views.review_list, name="dashboard-reviews"),
    path("reviews/<str:review_id>/visibility/", review_views.review_visibility, name="dashboard-review-visibility"),
    path("inbox/", inbox_views.inbox, name="dashboard-inbox"),
    path("inbox/<str:message_id>/", inbox_views.message_detail, name="dashboard-inbox-message"),
    path("inbox/<str:message_id>/handled/", inbox_views.message_handled, name="dashboard-inbox-handled"),
    path("api-tokens/", api_token_views.token_list, name="dashboard-api-tokens"),
    path("api-tokens/<str:token_id>/revoke/", api_token_views.token_revoke, name="dashboard-api-token-revoke"),
]
