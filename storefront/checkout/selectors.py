"""Reads for checkout: the store's tax mode, the zone for a country and its rates, a discount code by text."""

from decimal import Decimal

from django.db.models import Min

from .models import CheckoutSettings, DiscountCode, ShippingRate, ShippingZone


def checkout_settings() -> CheckoutSettings:
    return CheckoutSettings.objects.filter(pk=1).first() or CheckoutSettings(pk=1)


def shipping_countries() -> list[str]:
    countries = {code for zone in ShippingZone.objects.all() for code in zone.countries}
    return sorted(countries)


def zone_for(country: str) -> ShippingZone | None:
    """The zone that ships to ``country``; the first by name when several do."""
    return ShippingZone.objects.filter(countries__contains=[country.upper()]).order_by("name", "id").first()


def rates_for(zone: ShippingZone | None) -> list[ShippingRate]:
    return list(zone.rates.all()) if zone else []


def lowest_shipping_price() -> Decimal | None:
    """The lowest price of the store's flat and weight rates, whatever the zone: what the directory shows as its
    "shipping from". None when it has none (no zone, or only rates that are free above a subtotal)."""
    priced = ShippingRate.objects.filter(kind__in=[ShippingRate.Kind.FLAT, ShippingRate.Kind.WEIGHT])
    return priced.aggregate(lowest=Min("price"))["lowest"]


def discount_by_code(code: str) -> DiscountCode | None:
    code = code.strip().upper()
    return DiscountCode.objects.filter(code=code).first() if code else None
