"""A flash sale's cap on units at the sale price, under 20 checkouts at once on real connections (committed data)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from storefront.cart.models import Cart
from storefront.checkout.services import Address, CheckoutError, place_order
from storefront.orders.models import Order, OrderLine
from storefront.orders.services import release_reservation
from storefront.promotions.models import Promotion, PromotionUse
from storefront.promotions.services import save_promotion
from tests.storefront.checkout.support import in_store, make_shipping, make_variant
from tests.storefront.orders.test_concurrency import clean_alpha, store_a_committed  # noqa: F401  (fixtures)
from tests.support import WAIT_TIMEOUT

BUYERS = 20
CAP = 5
ADDRESS = Address(name="Sam", line1="1 Main St", city="Springfield", region="IL", postal_code="62701", country="US")
SOLD_OUT = "“Flash lamps” has sold out at its sale price; check the new total and pay again."


@pytest.fixture
def flash_store(clean_alpha):  # noqa: F811
    yield clean_alpha
    with in_store(clean_alpha):
        PromotionUse.objects.all().delete()
        Promotion.objects.all().delete()


def test_twenty_buyers_racing_for_five_sale_units_never_oversell(flash_store):
    store = flash_store
    with in_store(store):
        lamp = make_variant("Flash Lamp", "40.00")  # stock not tracked: only the sale's cap is contested
        _, flat = make_shipping(tax="0")
        sale = save_promotion(
            promotion=None, name="Flash lamps", kind="percentage", value="50", target="products",
            product_ids=[lamp.product_id], starts_at=timezone.now() - timedelta(hours=1),
            ends_at=timezone.now() + timedelta(hours=1), unit_cap=CAP,
        )  # fmt: skip
        carts = []
        for buyer in range(BUYERS):
            cart = Cart.objects.create(token=f"flash-{buyer}")
            cart.lines.create(variant=lamp, quantity=1, unit_price=lamp.price)
            carts.append(cart)
    barrier = threading.Barrier(BUYERS)
    outcomes: list[str] = []

    def checkout(cart: Cart, buyer: int) -> None:
        try:
            connection.set_schema(store.schema_name)
            barrier.wait()
            order = place_order(
                cart=cart, checkout_key=f"flash-{buyer}", email=f"buyer{buyer}@example.com", address=ADDRESS,
                rate_id=flat.pk, discount_code="", currency="USD", prices_include_tax=False,
                site_url="http://alpha.localhost",
            )  # fmt: skip
            outcomes.append(f"order at {order.lines.get().unit_price}")
        except CheckoutError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(carts[i], i)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_TIMEOUT)

    assert len(outcomes) == BUYERS
    # Exactly the cap's units went at the sale price; every other buyer was told, or priced at the list price.
    assert outcomes.count("order at 20.00") == CAP
    assert set(outcomes) <= {"order at 20.00", "order at 40.00", SOLD_OUT}
    with in_store(store):
        assert Promotion.objects.get(pk=sale.pk).units_sold == CAP
        assert OrderLine.objects.filter(promotion_name="Flash lamps").count() == CAP
        assert sum(PromotionUse.objects.values_list("quantity", flat=True)) == CAP

        # An unpaid order released gives its sale unit back, and the next buyer gets the sale price again.
        held = Order.objects.filter(lines__promotion_name="Flash lamps").first()
        assert release_reservation(order=held, reason="test") is True
        assert Promotion.objects.get(pk=sale.pk).units_sold == CAP - 1
        again = Cart.objects.create(token="flash-again")
        again.lines.create(variant=lamp, quantity=1, unit_price=lamp.price)
        order = place_order(
            cart=again, checkout_key="flash-again", email="late@example.com", address=ADDRESS, rate_id=flat.pk,
            discount_code="", currency="USD", prices_include_tax=False, site_url="http://alpha.localhost",
        )  # fmt: skip
        assert (order.lines.get().unit_price, order.total) == (Decimal("20.00"), Decimal("25.00"))
        assert Promotion.objects.get(pk=sale.pk).units_sold == CAP
