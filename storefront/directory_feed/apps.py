"""App configuration for the directory feed."""

from django.apps import AppConfig


class DirectoryFeedConfig(AppConfig):
    name = "storefront.directory_feed"
    label = "directory_feed"
    verbose_name = "Directory feed"

    def ready(self) -> None:
        from storefront.catalog.changes import listen_to_product_changes

        from .services import record_product_changes

        # Every product change writes its outbox row in the change's own transaction (see catalog.changes).
        listen_to_product_changes(record_product_changes)
