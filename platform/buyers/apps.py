"""App configuration for marketplace buyer accounts."""

from django.apps import AppConfig


class BuyersConfig(AppConfig):
    name = "platform.buyers"
    label = "buyers"
    verbose_name = "Marketplace buyers"
