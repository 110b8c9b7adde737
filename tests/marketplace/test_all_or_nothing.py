"""The all-or-nothing reservation: two carts race for the last unit in one store while both also take a unit in
another; the loser keeps nothing anywhere. Real connections, one thread per buyer, 20 rounds."""

import threading

from django.db import connection
from django_tenants.utils import schema_context

from platform.marketplace import services
from platform.marketplace.bridge import Address
from storefront.catalog.models import InventoryAdjustment, ProductVariant
from storefront.orders.models import Order
from tests.support import WAIT_TIMEOUT

ROUNDS = 20
ADDRESS = Address(name="Sam", line1="1 Main St", city="Springfield", region="IL", postal_code="62701", country="US")


def stock(item) -> int:
    with schema_context(item.store.schema_name):
        left = ProductVariant.objects.get(pk=item.variant_id).stock
    connection.set_schema_to_public()
    return left


def order_count(item) -> int:
    with schema_context(item.store.schema_name):
        count = Order.objects.count()
    connection.set_schema_to_public()
    return count


def test_the_last_unit_goes_to_one_cart_and_the_other_keeps_no_reservation_in_any_store(stores):
    north, east = stores["mkt-north"], stores["mkt-east"]
    for round_ in range(ROUNDS):
        with schema_context(east.store.schema_name):
            ProductVariant.objects.filter(pk=east.variant_id).update(stock=1)  # the last unit
        connection.set_schema_to_public()
        carts = []
        for _ in range(2):
            cart = services.add_to_marketplace_cart(
                cart=None, store_id=north.store.pk, product_id=north.product_id, variant_id=None, quantity=1
            )
            services.add_to_marketplace_cart(
                cart=cart, store_id=east.store.pk, product_id=east.product_id, variant_id=None, quantity=1
            )
            carts.append(cart)
        barrier = threading.Barrier(2)
        outcomes: list[object] = [None, None]

        def buy(index: int) -> None:
            try:
                barrier.wait(timeout=WAIT_TIMEOUT)
                outcomes[index] = services.start_checkout(
                    cart=carts[index],
                    checkout_key=f"race-{round_}-{index}",
                    email=f"buyer{index}@example.com",
                    address=ADDRESS,
                    choices={},
                    client_ip=f"10.20.{round_}.{index + 1}",  # each buyer's own, within the hourly limit
                )
            except services.CheckoutRefused as refused:
                outcomes[index] = refused
            finally:
                connection.close()

        threads = [threading.Thread(target=buy, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT_TIMEOUT)
        won = [outcome for outcome in outcomes if not isinstance(outcome, services.CheckoutRefused)]
        lost = [outcome for outcome in outcomes if isinstance(outcome, services.CheckoutRefused)]
        assert (len(won), len(lost)) == (1, 1), outcomes
        assert "East Books: Sorry, Paperback Atlas (Default) sold out while you were checking out." in lost[0].messages
        # One order per store per round, both from the winner; the loser's North unit went back with its rollback.
        assert (order_count(north), order_count(east)) == (round_ + 1, round_ + 1)
        assert (stock(north), stock(east)) == (100 - (round_ + 1), 0)
    with schema_context(north.store.schema_name):
        # Only the winners' reservations were ever written (nothing reserved and put back by the losers).
        assert InventoryAdjustment.objects.filter(variant_id=north.variant_id, delta=-1).count() == ROUNDS
