"""Helpers shared by the cart, checkout and order tests: a store set up to sell and ship, and a buyer's steps."""

from __future__ import annotations

import re
from decimal import Decimal

import requests
from django_tenants.utils import schema_context

from storefront.catalog.models import ProductVariant
from storefront.catalog.services import create_product
from storefront.checkout.models import DiscountCode, ShippingRate, ShippingZone
from tests.conftest import host_of
from tests.support import WAIT_TIMEOUT

ADDRESS = {
    "email": "sam@example.com",
    "name": "Sam Shopper",
    "line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def make_variant(title: str, price: str, *, stock: int | None = None, weight: int = 0) -> ProductVariant:
    """A product with one variant; ``stock`` set means its inventory is tracked."""
    product = create_product(title=title, price=Decimal(price), stock=stock or 0, track_inventory=stock is not None)
    variant = product.variants.get()
    if weight:
        ProductVariant.objects.filter(pk=variant.pk).update(weight_grams=weight)
        variant.refresh_from_db()
    return variant


def make_shipping(*, tax: str = "10") -> tuple[ShippingZone, ShippingRate]:
    """North America at ``tax`` %, with a $5.00 flat rate and free shipping from $100."""
    zone = ShippingZone.objects.create(name="North America", countries=["US", "CA"], tax_rate=Decimal(tax))
    flat = ShippingRate.objects.create(zone=zone, name="Standard", kind="flat", price=Decimal("5.00"))
    ShippingRate.objects.create(
        zone=zone, name="Free over $100", kind="free_over", price=Decimal("0"), min_subtotal=Decimal("100.00")
    )
    return zone, flat


def make_code(code: str, kind: str, value: str = "0", **fields) -> DiscountCode:
    return DiscountCode.objects.create(code=code, kind=kind, value=Decimal(value), **fields)


def in_store(store):
    return schema_context(store.schema_name)


def add(client, store, variant, quantity: int = 1):
    return client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity}, HTTP_HOST=host_of(store))


def checkout_page(client, store):
    response = client.get("/checkout/", HTTP_HOST=host_of(store))
    key = re.search(r'name="checkout_key" value="([^"]+)"', response.content.decode()).group(1)
    return response, key


def review(client, store, key: str, **fields):
    """Press "Update totals" with the address (and any overrides); returns the response and the quoted summary."""
    data = {**ADDRESS, "checkout_key": key, "action": "update", **fields}
    response = client.post("/checkout/", data, HTTP_HOST=host_of(store))
    quoted = re.search(r'name="quoted" value="([^"]*)"', response.content.decode()).group(1)
    return response, quoted


def pay(client, store, key: str, quoted: str, **fields):
    """Press "Pay" on the summary the buyer reviewed."""
    data = {**ADDRESS, "checkout_key": key, "quoted": quoted, "action": "pay", **fields}
    return client.post("/checkout/", data, HTTP_HOST=host_of(store))


def buy(client, store, rate: ShippingRate, **fields):
    """From a filled cart to Stripe's hosted page: returns the Pay response (a redirect to Stripe)."""
    _, key = checkout_page(client, store)
    _, quoted = review(client, store, key, shipping_rate=rate.pk, **fields)
    return pay(client, store, key, quoted, shipping_rate=rate.pk, **fields)


def pay_on_stripe(url: str, card: str = "4242424242424242") -> requests.Response:
    return requests.post(
        url,
        data={"email": "sam@example.com", "card_number": card, "card_expiry": "12 / 34", "card_cvc": "123",
              "name": "Sam Shopper"},
        allow_redirects=False,
        timeout=WAIT_TIMEOUT,
    )  # fmt: skip
