"""Payouts: what the platform paid this store for each marketplace order, and the monthly statement."""

from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "storefront.payouts"
    label = "payouts"

    def ready(self) -> None:
        # A refund of a marketplace order takes the matching share back from the store's transfer.
        from storefront.orders.events import on_order_event

        from .services import reverse_after_refund

        on_order_event(reverse_after_refund)
