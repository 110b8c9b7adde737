"""App configuration for the store API."""

from django.apps import AppConfig


class StoreApiConfig(AppConfig):
    name = "storefront.api"
    # "api" alone is a label any third-party app might claim.
    label = "store_api"
    verbose_name = "Store API"
