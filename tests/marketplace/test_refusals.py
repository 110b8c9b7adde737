"""A store that can't be paid through the marketplace (not connected, suspended) can't join a cart, and a store
suspended while its lines wait in the cart is refused at checkout, naming the lines and why; nothing is reserved."""

import re

from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from platform.kit.listing_refs import sign_listing_reference
from platform.marketplace.models import MarketplaceCheckout
from storefront.catalog.models import Product, ProductVariant
from storefront.orders.models import Order
from tenants.models import Store
from tenants.services import suspend_store
from tests.marketplace.conftest import PLATFORM_HOST, add_from_directory, cart_form, rate_ids


def test_a_store_suspended_mid_cart_is_refused_at_checkout_with_the_line_and_the_reason(client, stores):
    north, east = stores["mkt-north"], stores["mkt-east"]
    assert add_from_directory(client, north).status_code == 302
    assert add_from_directory(client, east).status_code == 302
    suspend_store(store=Store.objects.get(pk=east.store.pk), reason="Unpaid invoices")

    page = cart_form(client, [north, east]).content.decode()
    assert "East Books is suspended by the platform and can&#x27;t sell right now." in page
    assert re.search(r'value="pay" disabled', page)

    # The button is disabled, but a form sent anyway is refused with the line and the reason, and no store
    # keeps anything: North's unit is not reserved.
    refused = cart_form(client, [north, east], action="pay", checkout_key="suspended-1")
    assert refused.status_code == 400
    assert (
        "Paperback Atlas: East Books is suspended by the platform and can&#x27;t sell right now. "
        "Remove it to pay for the rest." in refused.content.decode()
    )
    assert not MarketplaceCheckout.objects.exists()
    with schema_context(north.store.schema_name):
        assert (Order.objects.count(), ProductVariant.objects.get(pk=north.variant_id).stock) == (0, 100)
    connection.set_schema_to_public()

    # Adding more from the suspended store is refused outright, with the reason.
    again = client.post(
        "/cart/add/",
        {"ref": sign_listing_reference(store_id=east.store.pk, product_id=east.product_id, variant_id=east.variant_id)},
        HTTP_HOST=PLATFORM_HOST,
    )
    assert again.status_code == 409
    assert "East Books is suspended by the platform" in again.content.decode()


def test_a_store_not_connected_to_stripe_cannot_join(client, stores):
    alpha = Store.objects.get(slug="alpha")  # a session store with no connected account
    with schema_context(alpha.schema_name):
        product = Product.objects.first()
        variant = product.variants.first()
    connection.set_schema_to_public()
    response = client.post(
        "/cart/add/",
        {"ref": sign_listing_reference(store_id=alpha.pk, product_id=product.pk, variant_id=variant.pk)},
        HTTP_HOST=PLATFORM_HOST,
    )
    assert response.status_code == 409
    assert "Alpha Outfitters hasn&#x27;t finished setting up its Stripe payouts" in response.content.decode()
    assert client.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode().count('id="empty-cart"') == 1


def test_a_reference_not_signed_by_mercato_adds_nothing_and_only_the_platforms_own_form_adds(client, stores):
    north = stores["mkt-north"]
    genuine = sign_listing_reference(store_id=north.store.pk, product_id=north.product_id, variant_id=north.variant_id)
    forged = genuine.replace(genuine.split(":")[0], "eyJzIjoxLCJwIjoyLCJ2IjoyfQ")
    assert client.get("/cart/add/", {"ref": forged}, HTTP_HOST=PLATFORM_HOST).status_code == 400
    assert client.post("/cart/add/", {"ref": forged}, HTTP_HOST=PLATFORM_HOST).status_code == 400
    assert client.post("/cart/add/", {"ref": genuine, "quantity": "0"}, HTTP_HOST=PLATFORM_HOST).status_code == 400
    # The store page's link only shows what would be added; nothing is added by a GET.
    shown = client.get("/cart/add/", {"ref": genuine}, HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "1 \N{MULTIPLICATION SIGN} Stoneware Mug</strong> from <strong>North Mugs" in shown
    assert 'id="empty-cart"' in client.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
    # Another site can't post the add for the buyer: the platform's form carries its CSRF token.
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/cart/add/", {"ref": genuine}, HTTP_HOST=PLATFORM_HOST).status_code == 403
    assert 'id="empty-cart"' in strict.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        strict.get("/cart/add/", {"ref": genuine}, HTTP_HOST=PLATFORM_HOST).content.decode(),
    ).group(1)
    confirmed = strict.post("/cart/add/", {"ref": genuine, "csrfmiddlewaretoken": token}, HTTP_HOST=PLATFORM_HOST)
    assert confirmed.status_code == 302
    assert "Stoneware Mug" in strict.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()


def test_a_store_past_its_hourly_new_order_limit_refuses_the_checkout_naming_its_lines_and_nothing_is_reserved(
    stores, settings
):
    from storefront.checkout.limits import allow_new_order

    north, east = stores["mkt-north"], stores["mkt-east"]
    settings.CHECKOUT_NEW_ORDERS_PER_HOUR = 1
    address = "10.23.0.1"
    # This connection already started East's one new order of the hour, on East's own site (the same rule).
    with schema_context(east.store.schema_name):
        assert allow_new_order(client_ip=address)
    connection.set_schema_to_public()

    buyer = Client(REMOTE_ADDR=address)
    assert add_from_directory(buyer, north).status_code == 302
    assert add_from_directory(buyer, east).status_code == 302
    refused = cart_form(buyer, [north, east], action="pay", checkout_key="limit-1")
    assert refused.status_code == 400
    assert (
        "Paperback Atlas: East Books takes no more new orders from your connection this hour; try again later, or "
        "contact the store." in refused.content.decode()
    )
    assert "Stoneware Mug: North Mugs takes no more" not in refused.content.decode()
    assert not MarketplaceCheckout.objects.exists()
    for item in (north, east):
        with schema_context(item.store.schema_name):
            assert (Order.objects.count(), ProductVariant.objects.get(pk=item.variant_id).stock) == (0, 100)
    connection.set_schema_to_public()

    # Another connection, within East's limit, is not refused for it (its cart then goes on to the payment).
    other = Client(REMOTE_ADDR="10.23.0.2")
    assert add_from_directory(other, east).status_code == 302
    assert cart_form(other, [east], action="pay", checkout_key="limit-2", **rate_ids([east])).status_code == 302
