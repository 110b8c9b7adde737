"""Checkout: shipping zones and rates, discount codes, tax settings and the pricing of an order."""

from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "storefront.checkout"
    label = "checkout"

    def ready(self) -> None:
        from storefront.orders.services import on_reservation_released
        from storefront.promotions.services import release_capped_units

        from .services import release_discount_use

        # An order released unpaid gives its discount code's use back (see orders.services.release_reservation).
        on_reservation_released(release_discount_use)
        # And its flash-sale units (docs/promotions.md).
        on_reservation_released(release_capped_units)
