"""App configuration for the marketplace: one cart across stores on the platform site, paid once."""

from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "platform.marketplace"
    label = "marketplace"
    verbose_name = "Marketplace"

    def ready(self) -> None:
        # The one payment's events come to the platform's webhook endpoint (billing) with our metadata.
        from billing.webhooks import register_handler

        from .payments import CHECKOUT_EVENT_TYPES, handle_stored_checkout_event

        for event_type in CHECKOUT_EVENT_TYPES:
            register_handler(event_type, handle_stored_checkout_event, owner="marketplace")

        # A visitor's cart becomes the buyer's the moment they sign in (the buyers app sits below this one).
        from platform.buyers.session import on_sign_in

        from .views import claim_cart_at_sign_in

        on_sign_in(claim_cart_at_sign_in)
