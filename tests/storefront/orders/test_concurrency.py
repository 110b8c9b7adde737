"""Committed-data tests: the last-unit race between real connections, and the Celery worker's part."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from storefront.cart.models import Cart
from storefront.catalog.models import Product, ProductVariant
from storefront.checkout.models import CheckoutSettings, DiscountCode, ShippingZone
from storefront.checkout.services import Address, CheckoutError, place_order
from storefront.orders.models import Order
from storefront.orders.tasks import release_expired_reservations
from tests.conftest import host_of, wait_for_email
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant, pay_on_stripe
from tests.support import WAIT_TIMEOUT, wait_until

ROUNDS = 15
ADDRESS = Address(name="Sam", line1="1 Main St", city="Springfield", region="IL", postal_code="62701", country="US")


@pytest.fixture
def clean_alpha(committed, store_a_committed):
    with in_store(store_a_committed):
        before = set(Product.objects.values_list("pk", flat=True))
    yield store_a_committed
    with in_store(store_a_committed):
        Order.objects.all().delete()
        Cart.objects.all().delete()
        ShippingZone.objects.all().delete()
        DiscountCode.objects.all().delete()
        CheckoutSettings.objects.all().delete()
        Product.objects.exclude(pk__in=before).delete()
    connection.set_schema_to_public()


@pytest.fixture
def store_a_committed(committed):
    from tenants.models import Store

    return Store.objects.get(slug="alpha")


def test_two_buyers_race_for_the_last_unit_and_exactly_one_gets_it(clean_alpha):
    store = clean_alpha
    with in_store(store):
        lamp = make_variant("Last Lamp", "25.00", stock=1)
        _, flat = make_shipping()
    for round_ in range(ROUNDS):
        with in_store(store):
            ProductVariant.objects.filter(pk=lamp.pk).update(stock=1)
            carts = []
            for buyer in range(2):
                cart = Cart.objects.create(token=f"race-{round_}-{buyer}")
                cart.lines.create(variant=lamp, quantity=1, unit_price=lamp.price)
                carts.append(cart)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def checkout(cart: Cart, buyer: int) -> None:
            # Each thread has its own database connection (Django's are per thread).
            try:
                connection.set_schema(store.schema_name)
                barrier.wait()
                order = place_order(
                    cart=cart, checkout_key=f"race-{round_}-{buyer}", email=f"buyer{buyer}@example.com",
                    address=ADDRESS, rate_id=flat.pk, discount_code="", currency="USD", prices_include_tax=False,
                    site_url="http://alpha.localhost",
                )  # fmt: skip
                outcomes.append(f"order {order.status}")
            except CheckoutError as error:
                outcomes.append(" ".join(error.messages))
            finally:
                connection.close()

        threads = [threading.Thread(target=checkout, args=(carts[i], i)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT_TIMEOUT)
        assert sorted(outcomes) == [
            "Sorry, Last Lamp (Default) sold out while you were checking out.",
            "order pending_payment",
        ], f"round {round_}"
        with in_store(store):
            assert ProductVariant.objects.get(pk=lamp.pk).stock == 0
            assert Order.objects.filter(lines__variant=lamp, status="pending_payment").count() == 1
            Order.objects.filter(status="pending_payment").update(status="cancelled", stock_state="released")


def test_an_unpaid_reservation_expires_through_the_worker_and_frees_the_stock(clean_alpha, client, celery_worker):
    from billing.gateway import stripe_client

    store = clean_alpha
    with in_store(store):
        tent = make_variant("Expiring Tent", "99.00", stock=1)
        _, flat = make_shipping()
    add(client, store, tent)
    stripe_url = buy(client, store, flat)["Location"]
    assert pay_on_stripe(stripe_url, card="4000000000000002").status_code == 402
    with in_store(store):
        order = Order.objects.get()
        assert ProductVariant.objects.get(pk=tent.pk).stock == 0
        # The reservation's time is up (30 minutes in real life).
        Order.objects.filter(pk=order.pk).update(reserved_until=order.created_at)
    assert release_expired_reservations.delay().get(timeout=WAIT_TIMEOUT) >= 2

    def released() -> bool:
        with in_store(store):
            order.refresh_from_db()
        return order.status != "pending_payment"

    wait_until(released, what=f"the worker to release order {order.pk}")
    with in_store(store):
        assert (order.status, order.stock_state) == ("cancelled", "released")
        assert ProductVariant.objects.get(pk=tent.pk).stock == 1
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "released"]
    # The session was expired before the stock went back, so nobody can pay for it any more.
    assert stripe_client().v1.checkout.sessions.retrieve(order.stripe_session_id).status == "expired"


def test_the_confirmation_email_is_sent_by_the_worker_after_payment(clean_alpha, client, celery_worker):
    store = clean_alpha
    with in_store(store):
        mug = make_variant("Email Mug", "12.50")
        _, flat = make_shipping(tax="0")
    add(client, store, mug, 2)
    stripe_url = buy(client, store, flat, email="mail-test@example.com")["Location"]
    pay_on_stripe(stripe_url)
    with in_store(store):
        order = Order.objects.get()
    client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store))
    message = wait_for_email(celery_worker, to="mail-test@example.com", subject="confirmed")
    assert message.startswith(f"Subject: Alpha Outfitters: order #{order.pk} confirmed\n\n")
    assert "Email Mug" in message and "\n  2 x 12.50 USD = 25.00 USD\n" in message
    assert "\nShipping (Standard): 5.00 USD\nTax: 0.00 USD\nTotal: 30.00 USD\n" in message
    assert f"http://{host_of(store)}/orders/{order.token}/" in message
    with in_store(store):
        assert Order.objects.get(pk=order.pk).total == Decimal("30.00")


def test_a_concurrent_double_submit_makes_one_order_and_one_session(clean_alpha):
    from storefront.orders.payments import start_payment

    store = clean_alpha
    with in_store(store):
        lamp = make_variant("Double Lamp", "25.00", stock=5)
        _, flat = make_shipping()
        cart = Cart.objects.create(token="double")
        cart.lines.create(variant=lamp, quantity=1, unit_price=lamp.price)
    barrier = threading.Barrier(2)
    results: list[tuple[int, str]] = []

    def press_pay() -> None:
        try:
            connection.set_schema(store.schema_name)
            barrier.wait()
            order = place_order(
                cart=cart, checkout_key="same-page", email="sam@example.com", address=ADDRESS, rate_id=flat.pk,
                discount_code="", currency="USD", prices_include_tax=False, site_url="http://alpha.localhost",
            )  # fmt: skip
            results.append((order.pk, start_payment(order=order, store_name="Alpha")))
        finally:
            connection.close()

    threads = [threading.Thread(target=press_pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_TIMEOUT)
    with in_store(store):
        order = Order.objects.get()
        assert ProductVariant.objects.get(pk=lamp.pk).stock == 4
    assert len(results) == 2
    assert {pk for pk, _ in results} == {order.pk}
    assert {url.rsplit("/", 1)[1] for _, url in results} == {order.stripe_session_id}
