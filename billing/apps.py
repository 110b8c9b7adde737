"""App configuration for billing."""

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Connect events (a store's own Stripe account changed) reach the one webhook endpoint like any other.
        from .connect import handle_account_deauthorized, handle_account_updated
        from .webhooks import register_handler

        register_handler("account.updated", handle_account_updated, owner="connect")
        register_handler("account.application.deauthorized", handle_account_deauthorized, owner="connect")
