"""App configuration for the directory feed."""

from django.apps import AppConfig


class DirectoryFeedConfig(AppConfig):
    name = "storefront.directory_feed"
    label = "directory_feed"
    verbose_name = "Directory feed"

    def ready(self) -> None:
        from storefront.catalog.changes import listen_to_product_changes
        from storefront.checkout.settings_services import on_shipping_change

        from .services import record_product_changes, sync_shipping_from

        # Every product change writes its outbox row in the change's own transaction (see catalog.changes).
        listen_to_product_changes(record_product_changes)
        # The store's "shipping from" on its directory card follows its shipping zones and rates.
        on_shipping_change(sync_shipping_from)
