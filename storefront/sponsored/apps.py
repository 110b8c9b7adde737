"""Sponsored placement: campaigns live in the store's schema and are fed to the directory by their service."""

from django.apps import AppConfig


class SponsoredConfig(AppConfig):
    name = "storefront.sponsored"
    label = "sponsored"

    def ready(self) -> None:
        from storefront.orders.events import on_order_event

        from .services import report_order_after_event

        # A paid order a sponsored click brought counts for its campaign; orders never imports sponsored.
        on_order_event(report_order_after_event)
