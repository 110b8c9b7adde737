"""Orders: stock reservations, payment through Stripe Checkout, fulfilment and the order timeline."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "storefront.orders"
    label = "orders"

    def ready(self) -> None:
        # Stripe calls one webhook endpoint on the platform host (billing); events about orders come here.
        from billing.webhooks import register_handler

        from .payments import ORDER_EVENT_TYPES, handle_stored_order_event

        for event_type in ORDER_EVENT_TYPES:
            register_handler(event_type, handle_stored_order_event, owner="orders")
