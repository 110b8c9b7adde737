"""Isolation of the marketplace's tables and pages: one buyer's cart is invisible and untouchable to another, a
store's host never serves the platform cart, and a store's money pages show only its own payouts."""

import re

from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from platform.marketplace.models import CartStore
from storefront.cart.models import CartLine
from tests.conftest import host_of, sign_in_on
from tests.marketplace.conftest import PLATFORM_HOST, add_from_directory


def test_another_buyer_cannot_see_or_change_a_cart(client, stores):
    north = stores["mkt-north"]
    assert add_from_directory(client, north, quantity=3).status_code == 302
    part = CartStore.objects.get()
    with schema_context(north.store.schema_name):
        line = CartLine.objects.get(cart__token=part.store_cart_token)
    connection.set_schema_to_public()

    stranger = Client()
    assert 'id="empty-cart"' in stranger.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
    # The stranger names the first buyer's store and line: not found in the stranger's (empty) cart.
    stranger.post("/cart/lines/", {"store": north.store.pk, "line": line.pk, "quantity": 0}, HTTP_HOST=PLATFORM_HOST)
    assert add_from_directory(stranger, north).status_code == 302  # a cart of the stranger's own
    stranger.post("/cart/lines/", {"store": north.store.pk, "line": line.pk, "quantity": 0}, HTTP_HOST=PLATFORM_HOST)
    with schema_context(north.store.schema_name):
        assert CartLine.objects.get(pk=line.pk).quantity == 3
        assert CartLine.objects.filter(cart__token=part.store_cart_token).count() == 1
    connection.set_schema_to_public()
    mine = client.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
    assert re.search(r'name="quantity" value="3"', mine)


def test_a_store_host_does_not_serve_the_platform_cart_or_its_checkouts(client, stores):
    north = stores["mkt-north"]
    assert add_from_directory(client, north).status_code == 302
    store_host = host_of(north.store)
    assert client.get("/cart/checkout/anything/", HTTP_HOST=store_host).status_code == 404
    # The store's own /cart/ is its own cart (empty for this visitor), not the platform's.
    assert "Stoneware Mug" not in client.get("/cart/", HTTP_HOST=store_host).content.decode()
    assert client.get("/cart/checkout/not-a-checkout/", HTTP_HOST=PLATFORM_HOST).status_code == 404


def test_a_seller_sees_only_their_own_stores_payouts(stores):
    north, east = stores["mkt-north"], stores["mkt-east"]
    seller = Client()
    sign_in_on(seller, east.owner, east.store)
    assert seller.get("/dashboard/payouts/", HTTP_HOST=host_of(east.store)).status_code == 200
    assert seller.get("/dashboard/payouts/2026-13/", HTTP_HOST=host_of(east.store)).status_code == 404
    # East's owner has no session on North's host, and no role there.
    assert seller.get("/dashboard/payouts/", HTTP_HOST=host_of(north.store)).status_code in (302, 403)
    sign_in_on(seller, east.owner, north.store)
    assert seller.get("/dashboard/payouts/", HTTP_HOST=host_of(north.store)).status_code == 403
