"""The buyer's cart, kept in the store's schema and found through a token in the buyer's session."""

from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "storefront.cart"
    label = "cart"
