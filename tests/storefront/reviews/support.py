"""Orders made straight in a store's schema, in the state a review needs, without going through Stripe."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.utils import timezone

from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from storefront.orders.models import Order, OrderLine
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store


def make_order(store, products: list[Product], *, status: str = "fulfilled", ship_name: str = "Sam Shopper") -> Order:
    with in_store(store):
        total = sum((product.price for product in products), Decimal("0"))
        order = Order.objects.create(
            token=secrets.token_urlsafe(32),
            checkout_key=secrets.token_urlsafe(16),
            email="sam@example.com",
            site_url=f"http://{host_of(store)}",
            status=status,
            stock_state="reserved" if status == "pending_payment" else "committed",
            currency="USD",
            ship_name=ship_name,
            ship_line1="1 Main St",
            ship_city="Springfield",
            ship_postal_code="62701",
            ship_country="US",
            shipping_method="Standard",
            subtotal=total,
            discount_total=Decimal("0"),
            shipping_total=Decimal("0"),
            tax_total=Decimal("0"),
            total=total,
            reserved_until=timezone.now(),
        )
        for product in products:
            variant = product.variants.get()
            OrderLine.objects.create(
                order=order, variant=variant, sku=variant.sku, title=product.title, unit_price=variant.price,
                quantity=1, line_total=variant.price,
            )  # fmt: skip
        return order


def make_products(store, *titles: str) -> list[Product]:
    with in_store(store):
        return [create_product(title=title, price=Decimal("20.00")) for title in titles]


def post_review(client, store, order: Order, product: Product, rating="5", body="Great."):
    data = {"product": product.pk, "rating": rating, "body": body}
    return client.post(f"/orders/{order.token}/reviews/", data, HTTP_HOST=host_of(store))
