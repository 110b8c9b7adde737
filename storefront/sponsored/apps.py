"""Sponsored placement: campaigns live in the store's schema and are fed to the directory by their service."""

from django.apps import AppConfig


class SponsoredConfig(AppConfig):
    name = "storefront.sponsored"
    label = "sponsored"
