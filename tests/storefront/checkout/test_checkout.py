"""Checkout over HTTP: the summary, shipping, discount rules, validation, and handing over to Stripe Checkout."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.gateway import stripe_client
from storefront.cart.models import Cart
from storefront.catalog.models import ProductVariant
from storefront.checkout.models import CheckoutSettings, DiscountCode, DiscountRedemption, ShippingRate
from storefront.checkout.services import quote, validate_postal_code
from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.checkout.support import (
    ADDRESS,
    add,
    buy,
    checkout_page,
    in_store,
    make_code,
    make_shipping,
    make_variant,
    pay,
    review,
)


def summary(page: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'<td id="summary-(\w+)">(?:<strong>)?([^<]+)', page))


def test_the_summary_adds_up_with_shipping_discount_and_tax(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "3.33")
        _, flat = make_shipping(tax="8.25")
        make_code("SAVE15", "percentage", "15")
    add(client, store_a, mug, 3)
    _, key = checkout_page(client, store_a)
    response, quoted = review(client, store_a, key, shipping_rate=flat.pk, discount_code="save15")
    assert response.status_code == 200
    assert summary(response.content.decode()) == {
        "subtotal": "$9.99",
        "discount": "\u2212$1.50",
        "shipping": "$5.00",
        "tax": "$0.70",
        "total": "$14.19",
    }
    assert quoted == f"US|{flat.pk}|SAVE15|14.19"


def test_inclusive_prices_show_the_tax_they_include(client, store_a):
    with in_store(store_a):
        CheckoutSettings.objects.create(pk=1, prices_include_tax=True)
        mug = make_variant("Camp Mug", "119.00")
        _, flat = make_shipping(tax="19")
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    page = review(client, store_a, key, shipping_rate=flat.pk)[0].content.decode()
    assert "Includes tax" in page
    assert summary(page) == {"subtotal": "$119.00", "shipping": "$5.00", "tax": "$19.00", "total": "$124.00"}


def test_rates_offered_depend_on_country_weight_and_subtotal(store_a):
    with in_store(store_a):
        zone, flat = make_shipping()
        light = ShippingRate.objects.create(
            zone=zone, name="Light parcel", kind="weight", price=Decimal("3.00"), max_weight_grams=1000
        )
        heavy = ShippingRate.objects.create(
            zone=zone, name="Heavy parcel", kind="weight", price=Decimal("9.00"), min_weight_grams=1000
        )
        free = ShippingRate.objects.get(kind="free_over")
        cup = make_variant("Cup", "40.00", weight=400)
        cart = Cart.objects.create(token="t1")
        cart.lines.create(variant=cup, quantity=2, unit_price=cup.price)

        def offered(**kwargs):
            return [rate.pk for rate in quote(cart=cart, currency="USD", prices_include_tax=False, **kwargs).rates]

        assert offered(country="US") == [light.pk, flat.pk]  # 800 g, $80: neither free nor heavy
        cart.lines.update(quantity=3)  # 1200 g, $120
        assert offered(country="us") == [free.pk, flat.pk, heavy.pk]
        no_zone = quote(cart=cart, currency="USD", prices_include_tax=False, country="FR")
        assert (no_zone.rates, no_zone.errors) == ([], {"country": ["This store does not ship to that country."]})
        # Free shipping from $100 counts the discounted subtotal: $120 less 25 % is $90.
        make_code("QUARTER", "percentage", "25")
        assert free.pk not in offered(country="US", discount_code="QUARTER")
        assert quote(
            cart=cart, currency="USD", prices_include_tax=False, country="US", rate_id=free.pk
        ).totals.shipping == Decimal("0.00")


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [("percentage", "10", ("10.00", "5.00", "95.00")), ("fixed", "7.5", ("7.50", "5.00", "97.50")),
     ("free_shipping", "0", ("0.00", "0.00", "100.00"))],
)  # fmt: skip
def test_each_discount_kind(store_a, kind, value, expected):
    with in_store(store_a):
        _, flat = make_shipping(tax="0")
        item = make_variant("Item", "50.00")
        cart = Cart.objects.create(token="t1")
        cart.lines.create(variant=item, quantity=2, unit_price=item.price)
        make_code("CODE", kind, value)
        totals = quote(
            cart=cart, currency="USD", prices_include_tax=False, country="US", rate_id=flat.pk, discount_code="code"
        ).totals
    assert (str(totals.discount), str(totals.shipping), str(totals.total)) == expected


def test_discount_rules(store_a):
    now = timezone.now()
    with in_store(store_a):
        item = make_variant("Item", "20.00")
        cart = Cart.objects.create(token="t1")
        cart.lines.create(variant=item, quantity=1, unit_price=item.price)
        make_code("MIN50", "fixed", "5", min_subtotal=Decimal("50.00"))
        make_code("LATER", "fixed", "5", starts_at=now + timedelta(days=1))
        make_code("OVER", "fixed", "5", ends_at=now - timedelta(seconds=1))
        make_code("USEDUP", "fixed", "5", usage_limit=3, times_used=3)
        make_code("OFF", "fixed", "5", is_active=False)
        once = make_code("ONCE", "fixed", "5", once_per_email=True)
        order = Order.objects.create(
            token="x", checkout_key="k", email="sam@example.com", site_url="http://x", currency="USD",
            ship_name="S", ship_line1="1", ship_city="C", ship_postal_code="62701", ship_country="US",
            shipping_method="Standard", subtotal=1, discount_total=0, shipping_total=0, tax_total=0, total=1,
            reserved_until=now,
        )  # fmt: skip
        DiscountRedemption.objects.create(discount=once, email="sam@example.com", order=order)

        def problem(code, email="sam@example.com"):
            return quote(cart=cart, currency="USD", prices_include_tax=False, discount_code=code, email=email).errors

        assert problem("MIN50") == {"discount_code": ["This discount code needs a subtotal of at least 50.00."]}
        assert problem("LATER") == {"discount_code": ["This discount code is not valid yet."]}
        assert problem("OVER") == {"discount_code": ["This discount code has expired."]}
        assert problem("USEDUP") == {"discount_code": ["This discount code has been used up."]}
        assert problem("OFF") == {"discount_code": ["This discount code is not valid."]}
        assert problem("NOPE") == {"discount_code": ["This discount code is not valid."]}
        assert problem("ONCE") == {"discount_code": ["This discount code was already used with this email address."]}
        assert problem("ONCE", email="other@example.com") == {}


@pytest.mark.parametrize(
    ("country", "code", "valid"),
    [("US", "62701", True), ("US", "62701-1234", True), ("US", "6270", False), ("CA", "K1A 0B1", True),
     ("CA", "k1a0b1", True), ("CA", "D1A 0B1", False), ("GB", "SW1A 1AA", True), ("GB", "M1 1AE", True),
     ("GB", "12345", False), ("DE", "10115", True), ("DE", "1011", False), ("FR", "75001", True), ("FR", "", False)],
)  # fmt: skip
def test_postal_codes(country, code, valid):
    if valid:
        assert validate_postal_code(country, code) == " ".join(code.split()).upper()
    else:
        with pytest.raises(ValidationError):
            validate_postal_code(country, code)


def test_pay_needs_a_reviewed_total_and_valid_details(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        _, flat = make_shipping()
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    # Pressing Pay before seeing the total with shipping only shows the total.
    first = pay(client, store_a, key, "", shipping_rate=flat.pk)
    assert first.status_code == 200
    assert "Check your total below, then press Pay." in first.content.decode()
    _, quoted = review(client, store_a, key, shipping_rate=flat.pk)
    bad = pay(client, store_a, key, quoted, shipping_rate=flat.pk, postal_code="ABCDE", email="nope")
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Enter a valid postal code for this country." in page
    assert "Enter a valid email address." in page
    with in_store(store_a):
        assert not Order.objects.exists()


def test_a_price_change_after_review_is_not_charged(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        _, flat = make_shipping(tax="0")
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=flat.pk)
    with in_store(store_a):
        ProductVariant.objects.filter(pk=mug.pk).update(price=Decimal("15.00"))
    response = pay(client, store_a, key, quoted, shipping_rate=flat.pk)
    assert response.status_code == 400
    assert "The total is now 20.00; check it and pay again." in response.content.decode()
    with in_store(store_a):
        assert not Order.objects.exists()


def test_pay_reserves_stock_and_opens_one_stripe_checkout_session(client, store_a, sandbox_server):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        _, flat = make_shipping(tax="10")
    add(client, store_a, tent, 2)
    response = buy(client, store_a, flat)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{sandbox_server.url}/c/pay/cs_test_")
    with in_store(store_a):
        order = Order.objects.get()
        tent.refresh_from_db()
        assert (order.status, order.stock_state, order.total, tent.stock) == (
            "pending_payment", "reserved", Decimal("222.80"), 1
        )  # fmt: skip
        assert [(line.sku, line.quantity, line.reserved_quantity) for line in order.lines.all()] == [("TENT", 2, 2)]
    session = stripe_client().v1.checkout.sessions.retrieve(order.stripe_session_id)
    assert (session.mode, session.amount_total, session.currency, session.payment_status) == (
        "payment", 22280, "usd", "unpaid"
    )  # fmt: skip
    assert session.metadata.to_dict() == {"mercato_order": str(order.pk), "mercato_schema": store_a.schema_name}
    assert session.success_url == (
        f"http://{host_of(store_a)}/orders/{order.token}/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert session.customer_email == ADDRESS["email"]


def test_double_submit_makes_one_order_and_one_session(client, store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        _, flat = make_shipping()
    add(client, store_a, tent, 1)
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=flat.pk)
    first = pay(client, store_a, key, quoted, shipping_rate=flat.pk)
    second = pay(client, store_a, key, quoted, shipping_rate=flat.pk)
    assert first["Location"] == second["Location"]
    with in_store(store_a):
        order = Order.objects.get()
        tent.refresh_from_db()
        assert tent.stock == 2
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started"]
    assert first["Location"].endswith(order.stripe_session_id)


def test_a_once_per_email_code_is_held_by_a_pending_order(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        _, flat = make_shipping()
        code = make_code("WELCOME", "fixed", "2", once_per_email=True, usage_limit=10)
    add(client, store_a, mug)
    assert buy(client, store_a, flat, discount_code="WELCOME").status_code == 302
    with in_store(store_a):
        code.refresh_from_db()
        assert code.times_used == 1
        assert Order.objects.get().discount_total == Decimal("2.00")
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    response, _ = review(client, store_a, key, shipping_rate=flat.pk, discount_code="WELCOME")
    assert "This discount code was already used with this email address." in response.content.decode()


def test_store_b_sees_none_of_store_a_shipping_or_codes(client, store_a, store_b):
    with in_store(store_a):
        _, flat = make_shipping()
        make_code("ALPHA10", "percentage", "10")
    with in_store(store_b):
        book = make_variant("Book", "10.00")
    add(client, store_b, book)
    _, key = checkout_page(client, store_b)
    response, _ = review(client, store_b, key, shipping_rate=flat.pk, discount_code="ALPHA10")
    page = response.content.decode()
    assert "North America" not in page and "Standard" not in page
    assert "This store does not ship to that country." in page
    assert "This discount code is not valid." in page
    with in_store(store_b):
        assert not DiscountCode.objects.exists()


def test_when_stripe_is_unreachable_pay_again_resumes_the_same_order(client, store_a, settings, sandbox_server):
    from tests.support import free_port

    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        _, flat = make_shipping()
    add(client, store_a, tent)
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=flat.pk)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    down = pay(client, store_a, key, quoted, shipping_rate=flat.pk)
    assert down.status_code == 503
    assert "Payment could not start just now; please press Pay again." in down.content.decode()
    settings.STRIPE_API_BASE = sandbox_server.url
    again = pay(client, store_a, key, quoted, shipping_rate=flat.pk)
    with in_store(store_a):
        order = Order.objects.get()
        tent.refresh_from_db()
        assert (tent.stock, again["Location"].endswith(order.stripe_session_id)) == (2, True)
