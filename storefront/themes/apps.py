"""App configuration for store themes and content."""

from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "storefront.themes"
    label = "themes"
    verbose_name = "Store design and pages"
