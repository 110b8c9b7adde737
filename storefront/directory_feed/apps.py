"""App configuration for the directory feed."""

from django.apps import AppConfig


class DirectoryFeedConfig(AppConfig):
    name = "storefront.directory_feed"
    label = "directory_feed"
    verbose_name = "Directory feed"
