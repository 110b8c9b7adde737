"""Checkout: shipping zones and rates, discount codes, tax settings and the pricing of an order."""

from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "storefront.checkout"
    label = "checkout"
