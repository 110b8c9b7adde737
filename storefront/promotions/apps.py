"""Automatic promotions: sales a store runs on collections, tags or products, with no code for the buyer to type."""

from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "storefront.promotions"
    label = "promotions"
