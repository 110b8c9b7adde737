"""An order that comes to nothing (discount, free shipping) is refused with a form error; nothing is written."""

import secrets
from decimal import Decimal

import pytest

from billing.gateway import stripe_client
from storefront.cart.models import Cart
from storefront.catalog.models import InventoryAdjustment
from storefront.checkout.models import DiscountCode, DiscountRedemption, ShippingRate, ShippingZone
from storefront.checkout.services import Address, CheckoutError, place_order
from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.checkout.support import (
    ADDRESS,
    add,
    checkout_page,
    in_store,
    make_code,
    make_variant,
    pay,
    review,
)

MESSAGE = "This order&#x27;s total is 0.00: there is nothing to pay, so it can&#x27;t be placed."


def newest_session() -> str | None:
    sessions = stripe_client().v1.checkout.sessions.list({"limit": 1}).data
    return sessions[0].id if sessions else None


def pickup_rate() -> ShippingRate:
    zone = ShippingZone.objects.create(name="Local", countries=["US"], tax_rate=Decimal("10"))
    return ShippingRate.objects.create(zone=zone, name="Pick up in store", kind="flat", price=Decimal("0"))


@pytest.mark.parametrize(("kind", "value"), [("percentage", "100"), ("fixed", "500.00")])
def test_a_zero_total_order_is_refused_on_the_checkout_form(client, store_a, kind, value):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        rate = pickup_rate()
        make_code("ALLFREE", kind, value)
        adjustments = InventoryAdjustment.objects.count()
    add(client, store_a, tent)
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=rate.pk, discount_code="ALLFREE")
    assert quoted.endswith("|0.00")
    newest_session_before = newest_session()

    response = pay(client, store_a, key, quoted, shipping_rate=rate.pk, discount_code="ALLFREE")

    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    with in_store(store_a):
        tent.refresh_from_db()
        code = DiscountCode.objects.get(code="ALLFREE")
        assert (Order.objects.count(), DiscountRedemption.objects.count(), code.times_used, tent.stock) == (0, 0, 0, 3)
        assert InventoryAdjustment.objects.count() == adjustments
    assert newest_session() == newest_session_before  # Stripe was never asked for a session


def test_place_order_refuses_a_zero_total_with_a_form_wide_error(store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "20.00", stock=1)
        rate = pickup_rate()
        make_code("GIFT20", "fixed", "20.00")
        cart = Cart.objects.create(token=secrets.token_urlsafe(16))
        cart.lines.create(variant=tent, quantity=1, unit_price=tent.price)
        with pytest.raises(CheckoutError) as refused:
            place_order(
                cart=cart,
                checkout_key="zero-total",
                email=ADDRESS["email"],
                address=Address(
                    name="Sam", line1="1 Main St", city="Springfield", region="IL", postal_code="62701", country="US"
                ),
                rate_id=rate.pk,
                discount_code="GIFT20",
                currency="USD",
                prices_include_tax=False,
                site_url=f"http://{host_of(store_a)}",
            )
        assert list(refused.value.message_dict) == ["__all__"]
        assert refused.value.message_dict["__all__"][0].startswith(
            "This order's total is 0.00: there is nothing to pay"
        )
        assert not Order.objects.filter(checkout_key="zero-total").exists()
        tent.refresh_from_db()
        assert tent.stock == 1
