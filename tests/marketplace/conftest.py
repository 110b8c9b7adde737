"""Three stores of the marketplace tests' own, committed (the worker and the sandbox must see them), each connected
to Stripe through the sandbox's hosted onboarding, shipping to the US ($5.00 flat, 10 % tax on the items).

Made once for this folder and purged after it, with every public row the marketplace wrote about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from platform.kit.hosts import platform_url
from tests.conftest import host_of, make_user
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import WAIT_TIMEOUT

PLATFORM_HOST = "localhost"
ADDRESS = {"email": "sam@example.com", "name": "Sam Shopper", "line1": "1 Main St", "city": "Springfield",
           "region": "IL", "postal_code": "62701", "country": "US"}  # fmt: skip


@dataclass
class SellingStore:
    store: object
    owner: object
    account_id: str
    product_id: int
    variant_id: int
    title: str


# slug, name, product, price, stock
STORES = [
    ("mkt-north", "North Mugs", "Stoneware Mug", "20.00", 100),
    ("mkt-east", "East Books", "Paperback Atlas", "12.50", 100),
    ("mkt-west", "West Lamps", "Brass Desk Lamp", "33.33", 100),
]


def connect_store(store) -> str:
    """The owner finishes Stripe's hosted onboarding in the sandbox; Mercato reads the result from Stripe."""
    from billing import connect

    link = connect.start_onboarding(
        store=store,
        return_url=f"http://{host_of(store)}/dashboard/payments/return/",
        refresh_url=f"http://{host_of(store)}/dashboard/payments/refresh/",
    )
    page = requests.get(link, timeout=WAIT_TIMEOUT).text
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    base = re.match(r"https?://[^/]+", link).group(0)
    done = requests.post(base + action, data={"business_url": ""}, timeout=WAIT_TIMEOUT, allow_redirects=False)
    assert done.status_code == 303
    account = connect.refresh_account(store=store)
    assert account is not None and account.charges_enabled
    return account.stripe_account_id


def make_selling_stores(specs=STORES) -> dict[str, SellingStore]:
    """Provision, stock, ship-enable, list and connect the stores of ``specs``; committed (call it unblocked)."""
    from storefront.catalog.services import create_product
    from storefront.checkout.models import ShippingRate, ShippingZone
    from storefront.directory_feed.services import drain_outbox
    from tenants.services import provision_store

    made: dict[str, SellingStore] = {}
    for slug, name, title, price, stock in specs:
        owner = make_user(f"owner@{slug}.test")
        store = provision_store(name=name, slug=slug, owner=owner)
        with schema_context(store.schema_name):
            product = create_product(title=title, price=Decimal(price), stock=stock, track_inventory=True)
            zone = ShippingZone.objects.create(name="USA", countries=["US"], tax_rate=Decimal("10"))
            ShippingRate.objects.create(zone=zone, name="Standard", kind="flat", price=Decimal("5.00"))
            drain_outbox()  # its directory listing, as the worker's drain would write it
            variant = product.variants.get()
        made[slug] = SellingStore(store, owner, connect_store(store), product.pk, variant.pk, title)
    connection.set_schema_to_public()
    return made


@pytest.fixture(scope="package")
def selling_stores(django_db_setup, django_db_blocker, sandbox_server) -> Iterator[dict[str, SellingStore]]:
    with django_db_blocker.unblock():
        try:
            yield make_selling_stores()
        finally:
            purge_selling_stores()


def purge_selling_stores(specs=STORES) -> None:
    """Purge the stores of ``specs`` with every public row the marketplace wrote about them."""
    from billing.models import ConnectedAccount
    from platform.accounts.models import User
    from platform.marketplace.models import CartStore, MarketplaceCart, MarketplaceCheckout
    from tenants.models import Store
    from tenants.services import purge_store

    connection.set_schema_to_public()
    MarketplaceCheckout.objects.all().delete()
    CartStore.objects.all().delete()
    MarketplaceCart.objects.all().delete()
    for slug, _, _, _, _ in specs:
        store = Store.objects.filter(slug=slug).first()
        if store is not None:
            ConnectedAccount.objects.filter(store=store).delete()
            purge_store(store=store)
        User.objects.filter(email=f"owner@{slug}.test").delete()


@pytest.fixture
def stores(selling_stores, committed):
    """The three stores, with their stock set back and no orders, carts or checkouts left from an earlier test."""
    from platform.marketplace.models import CartStore, MarketplaceCart, MarketplaceCheckout
    from storefront.cart.models import Cart
    from storefront.catalog.models import ProductVariant
    from storefront.orders.models import Order
    from storefront.payouts.models import OrderPayout, PayoutReversal
    from tenants.models import Store
    from tenants.services import restore_store

    def reset() -> None:
        connection.set_schema_to_public()
        MarketplaceCheckout.objects.all().delete()
        CartStore.objects.all().delete()
        MarketplaceCart.objects.all().delete()
        for slug, _, _, _, stock in STORES:
            item = selling_stores[slug]
            store = Store.objects.get(pk=item.store.pk)
            if store.status != Store.Status.ACTIVE:
                restore_store(store=store)  # its listings come back with it
            with schema_context(item.store.schema_name):
                PayoutReversal.objects.all().delete()
                OrderPayout.objects.all().delete()
                Order.objects.all().delete()
                Cart.objects.all().delete()
                ProductVariant.objects.filter(pk=item.variant_id).update(stock=stock)
        connection.set_schema_to_public()

    reset()
    yield selling_stores
    reset()


def add_by_reference(client, item: SellingStore, quantity: int = 1):
    """A buyer presses "Add to marketplace cart" on a store's page (a link to the platform site carrying the
    signed reference), then confirms on the platform site; returns the confirmation's response.

    The store's page is read with a client of its own: a browser keeps each host's cookies apart, Django's test
    client doesn't, and the store's session cookie must not replace the platform site's.
    """
    product_page = Client().get(_product_path(item), HTTP_HOST=host_of(item.store)).content.decode()
    form = re.search(
        r'<form method="get" action="([^"]+)" class="add-to-marketplace-cart".*?</form>', product_page, re.S
    )
    assert form.group(1) == platform_url("/cart/add/")
    ref = re.search(r'name="ref" value="([^"]+)"', form.group(0)).group(1)
    confirm = client.get("/cart/add/", {"ref": ref, "quantity": quantity}, HTTP_HOST=PLATFORM_HOST)
    assert confirm.status_code == 200, confirm.content.decode()
    assert item.title in confirm.content.decode()
    return client.post("/cart/add/", {"ref": ref, "quantity": quantity}, HTTP_HOST=PLATFORM_HOST)


def _product_path(item: SellingStore) -> str:
    from storefront.catalog.models import Product

    with schema_context(item.store.schema_name):
        slug = Product.objects.get(pk=item.product_id).slug
    connection.set_schema_to_public()
    return f"/products/{slug}/"


def add_from_directory(client, item: SellingStore, quantity: int = 1):
    return client.post(
        "/cart/add/",
        {"store": item.store.pk, "product": item.product_id, "quantity": quantity},
        HTTP_HOST=PLATFORM_HOST,
    )


def cart_form(client, stores: list[SellingStore], **extra):
    """Press "Update totals" on the cart page with the address; returns the response."""
    data = {**ADDRESS, "action": "update", "checkout_key": "k", **extra}
    for item in stores:
        data.setdefault(f"rate_{item.store.pk}", "")
    return client.post("/cart/", data, HTTP_HOST=PLATFORM_HOST)


def rate_ids(stores: list[SellingStore]) -> dict[str, int]:
    from storefront.checkout.models import ShippingRate

    found = {}
    for item in stores:
        with schema_context(item.store.schema_name):
            found[f"rate_{item.store.pk}"] = ShippingRate.objects.get().pk
    connection.set_schema_to_public()
    return found


def forward_webhooks(client, sandbox_server, webhook_receiver, already: int) -> int:
    """Post what the sandbox delivered since ``already`` to Mercato's endpoint, as Stripe would; the real worker
    then processes each stored event. Returns how many deliveries there are now."""
    sandbox_server.drain()
    with webhook_receiver.lock:
        items = [item for item in webhook_receiver.received if item.path == WEBHOOK_PATH]
    for item in items[already:]:
        response = client.post(
            "/billing/stripe/webhook/",
            data=item.body,
            content_type="application/json",
            HTTP_HOST=PLATFORM_HOST,
            HTTP_STRIPE_SIGNATURE=item.headers["Stripe-Signature"],
        )
        assert response.status_code == 200, response.content
    return len(items)
