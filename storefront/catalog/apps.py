"""App configuration for the catalog."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "storefront.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from storefront.themes.services import add_currency_check

        from .services import ensure_prices_fit_currency

        # A store's currency can't change to one its prices can't be written in (cents in yen).
        add_currency_check(ensure_prices_fit_currency)
