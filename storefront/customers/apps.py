"""Buyer accounts: a buyer signs up in one store and sees the orders they placed or claimed there."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "storefront.customers"
    label = "customers"

    def ready(self) -> None:
        from storefront.orders.events import on_order_event

        from .marketplace import share_order_after_commit

        # A linked customer's orders are listed in their marketplace history: each change of one is sent there.
        on_order_event(share_order_after_commit)
