"""App configuration for the seller dashboard."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "storefront.dashboard"
    label = "dashboard"
    verbose_name = "Seller dashboard"
