"""Sponsored placement: campaigns live in the store's schema and are fed to the directory by their service."""

from django.apps import AppConfig


class SponsoredConfig(AppConfig):
    name = "storefront.sponsored"
    label = "sponsored"

    def ready(self) -> None:
        from storefront.catalog.changes import listen_to_product_changes
        from storefront.orders.events import on_order_event

        from .services import drop_deleted_products, report_order_after_event

        # A paid order a sponsored click brought counts for its campaign; orders never imports sponsored.
        on_order_event(report_order_after_event)
        # A deleted product leaves the directory's copy of its campaigns; the catalog never imports sponsored.
        listen_to_product_changes(drop_deleted_products)
