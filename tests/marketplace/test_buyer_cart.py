"""A signed-in marketplace buyer's cart: it belongs to the account (every session and device), a visitor's cart
merges into it at sign-in, nobody else ever reaches it, and a checkout's orders reach the buyer's history across
stores through each store's own order feed (the worker), paid once in the sandbox."""

import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from platform.buyers.models import Buyer, BuyerOrder, BuyerStore
from platform.marketplace.bridge import store_site_url
from platform.marketplace.models import CartStore, MarketplaceCart, MarketplaceCheckout
from storefront.cart.models import CartLine
from storefront.customers.models import Customer, CustomerOrder
from storefront.orders.models import Order
from tests.conftest import host_of
from tests.marketplace.conftest import (
    PLATFORM_HOST,
    STORES,
    add_by_reference,
    add_from_directory,
    cart_form,
    forward_webhooks,
    rate_ids,
)
from tests.platform.buyers.support import make_buyer, sign_in_buyer
from tests.storefront.checkout.support import pay_on_stripe
from tests.support import wait_until


@pytest.fixture
def buyers(stores) -> Iterator[None]:
    """Marketplace accounts made by the test, deleted after it with the customer records the stores made."""
    yield
    connection.set_schema_to_public()
    Buyer.objects.filter(email__endswith="@buyers.test").delete()
    for slug, *_ in STORES:
        with schema_context(stores[slug].store.schema_name):
            Customer.objects.filter(email__endswith="@buyers.test").delete()
    connection.set_schema_to_public()


def _signed_in(email: str) -> Client:
    client = Client()
    response = sign_in_buyer(client, email=email)
    assert response.status_code == 302, response.content.decode()
    return client


def _quantities(client: Client) -> dict[str, int]:
    """Title → quantity of every line on the platform cart page this client sees."""
    page = client.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
    found = {}
    for title, quantity in re.findall(
        r'<tr data-line="\d+"><td>([^<]+?)</td>.*?name="quantity" value="(\d+)"', page, re.S
    ):
        found[title.strip()] = int(quantity)
    return found


def _line(item, cart_part: CartStore) -> CartLine:
    with schema_context(item.store.schema_name):
        line = CartLine.objects.select_related("variant").get(cart__token=cart_part.store_cart_token)
    connection.set_schema_to_public()
    return line


def test_the_cart_of_a_signed_in_buyer_follows_them_to_another_device(stores, buyers):
    north, east = stores["mkt-north"], stores["mkt-east"]
    buyer = make_buyer(email="pat@buyers.test")
    laptop = _signed_in("pat@buyers.test")
    assert add_from_directory(laptop, north, quantity=2).status_code == 302
    assert add_by_reference(laptop, east).status_code == 302
    cart = MarketplaceCart.objects.get(buyer_id=buyer.pk)
    assert "marketplace_cart" not in laptop.session  # the account finds it, never a token in a session
    assert sorted(CartStore.objects.filter(cart=cart).values_list("store_id", flat=True)) == sorted(
        [north.store.pk, east.store.pk]
    )

    phone = _signed_in("pat@buyers.test")
    assert _quantities(phone) == {north.title: 2, east.title: 1}
    # A change on the phone is the laptop's cart too.
    part = CartStore.objects.get(cart=cart, store=north.store)
    line = _line(north, part)
    phone.post("/cart/lines/", {"store": north.store.pk, "line": line.pk, "quantity": 5}, HTTP_HOST=PLATFORM_HOST)
    assert _quantities(laptop) == {north.title: 5, east.title: 1}
    assert MarketplaceCart.objects.count() == 1


def test_a_visitors_cart_merges_into_the_buyers_cart_at_sign_in(stores, buyers):
    north, east, west = stores["mkt-north"], stores["mkt-east"], stores["mkt-west"]
    buyer = make_buyer(email="pat@buyers.test")
    # The account's cart, filled earlier on another device: 1 North mug, 1 East atlas.
    earlier = _signed_in("pat@buyers.test")
    assert add_from_directory(earlier, north).status_code == 302
    assert add_from_directory(earlier, east).status_code == 302
    own = MarketplaceCart.objects.get(buyer_id=buyer.pk)

    # Signed out on this device, the visitor adds 2 mugs from North and a lamp from West, then signs in.
    device = Client()
    assert add_from_directory(device, north, quantity=2).status_code == 302
    assert add_from_directory(device, west).status_code == 302
    visitor_cart = MarketplaceCart.objects.get(buyer_id__isnull=True)
    visitor_north = CartStore.objects.get(cart=visitor_cart, store=north.store)
    assert sign_in_buyer(device, email="pat@buyers.test").status_code == 302

    # The same store's lines add up in the store's cart; a store only in the visitor's cart moves over.
    assert _quantities(device) == {north.title: 3, east.title: 1, west.title: 1}
    assert list(MarketplaceCart.objects.values_list("pk", "buyer_id")) == [(own.pk, buyer.pk)]
    assert sorted(CartStore.objects.filter(cart=own).values_list("store_id", flat=True)) == sorted(
        [north.store.pk, east.store.pk, west.store.pk]
    )
    with schema_context(north.store.schema_name):
        assert not CartLine.objects.filter(cart__token=visitor_north.store_cart_token).exists()
    connection.set_schema_to_public()
    assert "marketplace_cart" not in device.session
    assert _quantities(earlier) == {north.title: 3, east.title: 1, west.title: 1}


def test_a_line_that_no_longer_fits_the_stock_is_left_out_of_the_merge_and_named(stores, buyers):
    from storefront.catalog.models import ProductVariant

    north = stores["mkt-north"]
    make_buyer(email="pat@buyers.test")
    assert add_from_directory(_signed_in("pat@buyers.test"), north, quantity=60).status_code == 302
    device = Client()
    assert add_from_directory(device, north, quantity=50).status_code == 302  # 110 > the 100 in stock
    assert sign_in_buyer(device, email="pat@buyers.test").status_code == 302
    page = device.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "Not added to your cart, for lack of stock: Stoneware Mug" in page
    assert _quantities(device) == {north.title: 60}
    with schema_context(north.store.schema_name):
        assert ProductVariant.objects.get(pk=north.variant_id).stock == 100
    connection.set_schema_to_public()


def test_one_buyer_never_sees_or_changes_anothers_cart(stores, buyers):
    north, east = stores["mkt-north"], stores["mkt-east"]
    make_buyer(email="x@buyers.test")
    make_buyer(email="y@buyers.test")
    x = _signed_in("x@buyers.test")
    assert add_from_directory(x, north, quantity=3).status_code == 302
    x_part = CartStore.objects.get()
    x_line = _line(north, x_part)

    y = _signed_in("y@buyers.test")
    assert _quantities(y) == {}
    # Y names X's store and line: Y has no part in North, then a part of Y's own; X's line stays as it was.
    y.post("/cart/lines/", {"store": north.store.pk, "line": x_line.pk, "quantity": 0}, HTTP_HOST=PLATFORM_HOST)
    assert add_from_directory(y, north).status_code == 302
    y.post("/cart/lines/", {"store": north.store.pk, "line": x_line.pk, "quantity": 0}, HTTP_HOST=PLATFORM_HOST)
    assert _line(north, x_part).quantity == 3
    assert _quantities(x) == {north.title: 3}
    assert _quantities(y) == {north.title: 1}

    # X signs out on this browser: the page shows no cart, and Y signing in here gets Y's cart, not X's.
    assert x.post("/buyer/signout/", HTTP_HOST=PLATFORM_HOST).status_code == 302
    assert _quantities(x) == {}
    assert add_from_directory(x, east).status_code == 302  # a visitor's cart on the shared browser
    assert sign_in_buyer(x, email="y@buyers.test").status_code == 302
    assert _quantities(x) == {north.title: 1, east.title: 1}
    assert _quantities(_signed_in("x@buyers.test")) == {north.title: 3}


def test_a_buyers_cart_line_of_store_a_cannot_be_changed_through_store_bs_host(stores, buyers):
    north, east = stores["mkt-north"], stores["mkt-east"]
    make_buyer(email="pat@buyers.test")
    pat = _signed_in("pat@buyers.test")
    assert add_from_directory(pat, north, quantity=2).status_code == 302
    line = _line(north, CartStore.objects.get())
    east_host = host_of(east.store)
    # Store B's host has no marketplace cart pages: its /cart/lines/ is not the platform's.
    changed = pat.post("/cart/lines/", {"store": north.store.pk, "line": line.pk, "quantity": 0}, HTTP_HOST=east_host)
    assert changed.status_code in (403, 404, 405)
    # Store B's own cart page knows nothing of the buyer's marketplace cart.
    assert north.title not in pat.get("/cart/", HTTP_HOST=east_host).content.decode()
    assert _line(north, CartStore.objects.get()).quantity == 2


def test_the_orders_of_a_buyers_checkout_reach_their_history_across_stores(
    stores, buyers, sandbox_server, webhook_receiver, celery_worker
):
    north, east, west = stores["mkt-north"], stores["mkt-east"], stores["mkt-west"]
    webhook_receiver.clear()
    buyer = make_buyer(email="pat@buyers.test", name="Pat Buyer")
    pat = _signed_in("pat@buyers.test")
    for item in (north, east, west):
        assert add_from_directory(pat, item).status_code == 302
    rates = rate_ids([north, east, west])
    page = cart_form(pat, [north, east, west], **rates).content.decode()
    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
    paying = cart_form(pat, [north, east, west], action="pay", checkout_key=key, **rates)
    assert paying.status_code == 302, paying.content.decode()
    checkout = MarketplaceCheckout.objects.get(checkout_key=key)
    assert pay_on_stripe(paying.url).status_code == 303
    forward_webhooks(pat, sandbox_server, webhook_receiver, 0)

    def all_paid_in_history() -> bool:
        rows = BuyerOrder.objects.filter(buyer=buyer)
        return rows.count() == 3 and all(row.status == "paid" for row in rows)

    wait_until(all_paid_in_history, what="each store's feed to list its paid order in the buyer's history")
    rows = {row.store_id: row for row in BuyerOrder.objects.filter(buyer=buyer)}
    by_store = {order.store_id: order for order in checkout.orders.all()}
    assert sorted(rows) == sorted(by_store)
    for item in (north, east, west):
        row, placed = rows[item.store.pk], by_store[item.store.pk]
        assert (row.number, int(row.total * 100)) == (placed.order_id, placed.amount)
        assert row.link == f"{store_site_url(item.store)}/account/"
        # Each store keeps its own customer record of the buyer, linked to the account, with this order only.
        with schema_context(item.store.schema_name):
            customer = Customer.objects.get(marketplace_buyer_id=buyer.pk)
            assert (customer.email, customer.name) == ("pat@buyers.test", "Pat Buyer")
            assert list(CustomerOrder.objects.filter(customer=customer).values_list("order_id", flat=True)) == [
                placed.order_id
            ]
            assert list(Order.objects.values_list("pk", flat=True)) == [placed.order_id]
        connection.set_schema_to_public()
    assert sorted(BuyerStore.objects.filter(buyer=buyer).values_list("store_id", flat=True)) == sorted(by_store)
    history = pat.get("/buyer/", HTTP_HOST=PLATFORM_HOST).content.decode()
    for item in (north, east, west):
        assert item.store.name in history


def test_the_sign_in_itself_merges_the_visitors_cart_before_any_cart_page(stores, buyers):
    north, east = stores["mkt-north"], stores["mkt-east"]
    buyer = make_buyer(email="pat@buyers.test")
    assert add_from_directory(_signed_in("pat@buyers.test"), north).status_code == 302
    own = MarketplaceCart.objects.get(buyer_id=buyer.pk)
    device = Client()
    assert add_from_directory(device, north, quantity=2).status_code == 302
    assert add_from_directory(device, east).status_code == 302
    visitor_cart = MarketplaceCart.objects.get(buyer_id__isnull=True)

    # Only the sign-in request: no /cart/ page is visited before these checks.
    assert sign_in_buyer(device, email="pat@buyers.test").status_code == 302
    assert not MarketplaceCart.objects.filter(pk=visitor_cart.pk).exists()
    assert "marketplace_cart" not in device.session
    assert sorted(CartStore.objects.filter(cart=own).values_list("store_id", flat=True)) == sorted(
        [north.store.pk, east.store.pk]
    )
    assert _line(north, CartStore.objects.get(cart=own, store=north.store)).quantity == 3
    # Another session of the account sees the merged cart.
    assert _quantities(_signed_in("pat@buyers.test")) == {north.title: 3, east.title: 1}


def test_a_visitors_cart_is_also_merged_when_signing_in_by_a_password_reset(stores, buyers):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from platform.buyers.services import reset_tokens

    north = stores["mkt-north"]
    buyer = make_buyer(email="pat@buyers.test")
    device = Client()
    assert add_from_directory(device, north, quantity=2).status_code == 302
    # The link the reset email carries (the email itself is tested with the accounts).
    path = f"/buyer/reset/{urlsafe_base64_encode(force_bytes(buyer.pk))}/{reset_tokens.make_token(buyer)}/"
    done = device.post(path, {"new_password": "another long marketplace passphrase"}, HTTP_HOST=PLATFORM_HOST)
    assert done.status_code == 302
    cart = MarketplaceCart.objects.get()
    assert cart.buyer_id == buyer.pk and "marketplace_cart" not in device.session
    assert _quantities(device) == {north.title: 2}


def _input(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_the_cart_form_is_filled_with_the_default_address_or_the_saved_one_chosen(stores, buyers):
    from platform.buyers.models import BuyerAddress
    from storefront.checkout.models import ShippingRate, ShippingZone

    north = stores["mkt-north"]
    buyer = make_buyer(email="pat@buyers.test")
    pat = _signed_in("pat@buyers.test")
    home = {"name": "Pat Buyer", "line1": "1 Main St", "city": "Springfield", "region": "IL",
            "postal_code": "62701", "country": "US"}  # fmt: skip
    china = {"name": "林小姐", "line1": "人民路 8 号 3 单元 502 室", "city": "杭州市", "region": "ZJ",
             "postal_code": "310000", "country": "CN", "district": "西湖区", "phone": "138 0013 8000"}  # fmt: skip
    assert pat.post("/buyer/addresses/", home, HTTP_HOST=PLATFORM_HOST).status_code == 302
    assert pat.post("/buyer/addresses/", china, HTTP_HOST=PLATFORM_HOST).status_code == 302
    first, second = BuyerAddress.objects.filter(buyer=buyer).order_by("id")
    assert (first.is_default, second.is_default) == (True, False)  # the first address kept fills the cart
    assert add_from_directory(pat, north).status_code == 302

    # The default fills the form (and the country prices the shipping at once); the email is the account's.
    page = pat.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
    assert (_input(page, "line1"), _input(page, "city"), _input(page, "country")) == ("1 Main St", "Springfield", "US")
    assert _input(page, "email") == "pat@buyers.test"
    assert "Standard — $5.00" in page
    # The Chinese address, chosen from the list, fills the district and the mobile number too.
    page = pat.get("/cart/", {"address": second.pk}, HTTP_HOST=PLATFORM_HOST).content.decode()
    assert (_input(page, "district"), _input(page, "phone"), _input(page, "country")) == (
        "西湖区",
        "138 0013 8000",
        "CN",
    )
    # Made the default from the account page, it fills the form from then on.
    assert pat.post(f"/buyer/addresses/{second.pk}/default/", HTTP_HOST=PLATFORM_HOST).status_code == 302
    assert _input(pat.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode(), "district") == "西湖区"
    # What the buyer typed is never replaced by a saved address.
    typed = cart_form(pat, [north]).content.decode()
    assert (_input(typed, "line1"), _input(typed, "district")) == ("1 Main St", "")

    # Another buyer can't use, or even see, Pat's address by its id.
    make_buyer(email="sam@buyers.test")
    sam = _signed_in("sam@buyers.test")
    refused = sam.get("/cart/", {"address": second.pk}, HTTP_HOST=PLATFORM_HOST)
    assert refused.status_code == 400 and "That address is not in your account." in refused.content.decode()
    assert "西湖区" not in refused.content.decode() and "人民路" not in refused.content.decode()
    assert sam.post(f"/buyer/addresses/{first.pk}/default/", HTTP_HOST=PLATFORM_HOST).status_code == 404
    assert BuyerAddress.objects.get(pk=second.pk).is_default

    # North ships to China for a moment: the saved Chinese address pays, its district and mobile on the order.
    with schema_context(north.store.schema_name):
        zone = ShippingZone.objects.create(name="China", countries=["CN"], tax_rate=0)
        rate = ShippingRate.objects.create(zone=zone, name="China Post", kind="flat", price="9.00")
    connection.set_schema_to_public()
    try:
        filled = pat.get("/cart/", HTTP_HOST=PLATFORM_HOST).content.decode()
        form = {name: _input(filled, name) for name in ("email", "name", "line1", "city", "region", "postal_code",
                                                         "country", "district", "phone")}  # fmt: skip
        paying = pat.post(
            "/cart/",
            {**form, "line2": "", "action": "pay", "checkout_key": "cn-1", f"rate_{north.store.pk}": rate.pk},
            HTTP_HOST=PLATFORM_HOST,
        )
        assert paying.status_code == 302, paying.content.decode()
        with schema_context(north.store.schema_name):
            order = Order.objects.get()
            assert (order.ship_country, order.ship_district, order.ship_phone) == ("CN", "西湖区", "13800138000")
    finally:
        with schema_context(north.store.schema_name):
            Order.objects.all().delete()
            ShippingZone.objects.filter(pk=zone.pk).delete()
        connection.set_schema_to_public()
