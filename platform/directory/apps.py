"""App configuration for the cross-store directory."""

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "platform.directory"
    label = "directory"
    verbose_name = "Directory"

    def ready(self) -> None:
        from platform.buyers.directory_reads import read_listings_with

        from .buyer_reads import DirectoryListingReader

        # Buyer pages show favourites and new products from the directory's rows, never from a store's schema.
        read_listings_with(DirectoryListingReader())
