"""Buyer accounts: a buyer signs up in one store and sees the orders they placed or claimed there."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "storefront.customers"
    label = "customers"
