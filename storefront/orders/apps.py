"""Orders: stock reservations, payment through Stripe Checkout, fulfilment and the order timeline."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "storefront.orders"
    label = "orders"

    def ready(self) -> None:
        # Stripe calls one webhook endpoint on the platform host (billing); events about orders come here.
        from billing.webhooks import register_handler
        from storefront.themes.services import on_timezone_changed

        from .payments import ORDER_EVENT_TYPES, handle_stored_order_event
        from .sales_days import rebuild_sales_days

        for event_type in ORDER_EVENT_TYPES:
            register_handler(event_type, handle_stored_order_event, owner="orders")
        # Every paid order's day moves with the zone: the sales day totals are recomputed in the zone's change.
        on_timezone_changed(rebuild_sales_days)
