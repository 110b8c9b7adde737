"""App configuration for fleet migrations (its status table lives in the public schema)."""

from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "tenants.fleet"
    label = "fleet"
    verbose_name = "Store migrations"
