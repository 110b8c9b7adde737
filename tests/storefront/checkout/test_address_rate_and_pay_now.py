"""Checkout's state or province for the countries that have them, the one shipping rate chosen for the buyer, and
"Pay now" on an order left awaiting payment, which resumes its payment on Stripe (this run's sandbox, over HTTP)."""

import json
import re
from decimal import Decimal

from storefront.checkout.models import ShippingRate, ShippingZone
from storefront.checkout.services import Address, place_order
from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.checkout.support import (
    ADDRESS,
    add,
    buy,
    checkout_page,
    in_store,
    make_shipping,
    make_variant,
    pay,
    pay_on_stripe,
    review,
)


def _page(response) -> str:
    return response.content.decode()


def test_a_us_address_needs_its_state_which_the_order_keeps_as_a_code(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        _, flat = make_shipping()
    add(client, store_a, mug)
    page = _page(checkout_page(client, store_a)[0])
    assert '<select name="region"' in page and '<optgroup label="United States">' in page
    assert '<option value="OR">Oregon</option>' in page and '<optgroup label="Canada">' in page
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=flat.pk)
    refused = pay(client, store_a, key, quoted, shipping_rate=flat.pk, region="")
    assert refused.status_code == 400
    assert "Choose the state of the address." in _page(refused)
    select = re.search(r"<select [^>]*name=\"region\"[^>]*>", _page(refused)).group(0)
    assert 'aria-invalid="true"' in select and 'aria-describedby="id_region_helptext id_region_error"' in select
    assert '<ul class="errorlist" id="id_region_error"><li>Choose the state of the address.</li></ul>' in _page(refused)
    with in_store(store_a):
        assert not Order.objects.exists()
    for wrong in ("Ontario", "XX"):  # a Canadian province is no US state
        assert "Choose the state of the address." in _page(
            pay(client, store_a, key, quoted, shipping_rate=flat.pk, region=wrong)
        )
    assert pay(client, store_a, key, quoted, shipping_rate=flat.pk, region="illinois").status_code == 302
    with in_store(store_a):
        order = Order.objects.get()
        assert order.ship_region == "IL"
    shown = _page(client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)))
    assert "Springfield, IL 62701, US" in shown


def test_a_canadian_address_needs_its_province_and_a_french_one_none(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        _, flat = make_shipping()
        europe = ShippingZone.objects.create(name="Europe", countries=["FR"], tax_rate=Decimal("20"))
        post = ShippingRate.objects.create(zone=europe, name="La Poste", kind="flat", price=Decimal("9.00"))
    canada = {"country": "CA", "postal_code": "K1A 0B1", "city": "Ottawa"}
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=flat.pk, **canada)
    refused = pay(client, store_a, key, quoted, shipping_rate=flat.pk, region="IL", **canada)
    assert "Choose the province or territory of the address." in _page(refused)
    assert pay(client, store_a, key, quoted, shipping_rate=flat.pk, region="ON", **canada).status_code == 302
    # A country without states: a state left selected from another country is dropped, not refused.
    france = {"country": "FR", "postal_code": "75001", "city": "Paris", "region": "IL"}
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    _, quoted = review(client, store_a, key, shipping_rate=post.pk, **france)
    assert pay(client, store_a, key, quoted, shipping_rate=post.pk, **france).status_code == 302
    with in_store(store_a):
        assert list(Order.objects.order_by("id").values_list("ship_country", "ship_region")) == [
            ("CA", "ON"),
            ("FR", ""),
        ]


def test_the_state_list_is_offered_only_where_the_store_ships_to_such_a_country(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        zone = ShippingZone.objects.create(name="Europe", countries=["FR", "DE"], tax_rate=Decimal("20"))
        ShippingRate.objects.create(zone=zone, name="Parcel", kind="flat", price=Decimal("9.00"))
    add(client, store_a, mug)
    assert 'name="region"' not in _page(checkout_page(client, store_a)[0])


def test_the_api_takes_the_state_by_code_or_name_and_refuses_an_address_without_one(client, store_a):
    with in_store(store_a):
        make_variant("Camp Mug", "12.00")
        _, flat = make_shipping()
    address = {key: ADDRESS[key] for key in ("name", "line1", "city", "postal_code", "country")}
    body = {"lines": [{"sku": "CAMP-MUG", "quantity": 1}], "email": ADDRESS["email"], "shipping_method_id": flat.pk}

    def check_out(key: str, **fields):
        return client.post(
            "/api/checkout", data=json.dumps({**body, "shipping_address": {**address, **fields}}),
            content_type="application/json", HTTP_HOST=host_of(store_a), HTTP_IDEMPOTENCY_KEY=key,
        )  # fmt: skip

    refused = check_out("no-state")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"shipping_address.region": ["Choose the state of the address."]}
    placed = check_out("with-state", region="Oregon")
    assert placed.status_code == 201
    order = client.get(f"/api/orders/{placed.json()['order_token']}", HTTP_HOST=host_of(store_a)).json()
    assert order["shipping_address"]["region"] == "OR"


def test_the_only_rate_and_country_are_chosen_so_the_first_pay_goes_to_stripe(client, store_a, sandbox_server):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        zone = ShippingZone.objects.create(name="Home", countries=["US"], tax_rate=Decimal("10"))
        flat = ShippingRate.objects.create(zone=zone, name="Standard", kind="flat", price=Decimal("5.00"))
    add(client, store_a, mug)
    response, key = checkout_page(client, store_a)
    page = _page(response)
    assert '<option value="US" selected>United States</option>' in page
    assert f'<input type="radio" name="shipping_rate" value="{flat.pk}" checked>' in page
    assert '<td id="summary-shipping">$5.00</td>' in page
    quoted = re.search(r'name="quoted" value="([^"]*)"', page).group(1)
    assert quoted == f"US|{flat.pk}||18.20"
    # What the page sends when the buyer fills in the address and presses Pay straight away.
    paid = pay(client, store_a, key, quoted, shipping_rate=flat.pk)
    assert paid.status_code == 302 and paid["Location"].startswith(f"{sandbox_server.url}/c/pay/cs_test_")


def test_a_single_rate_is_chosen_once_the_country_is(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        _, flat = make_shipping()  # Standard, and free shipping from $100 that a $12 order doesn't reach
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    response, quoted = review(client, store_a, key)  # the country chosen, no rate picked
    assert f'<input type="radio" name="shipping_rate" value="{flat.pk}" checked>' in _page(response)
    assert quoted == f"US|{flat.pk}||18.20"
    assert pay(client, store_a, key, quoted, shipping_rate=flat.pk).status_code == 302


def test_pay_now_takes_an_order_awaiting_payment_back_to_its_stripe_page(client, store_a, store_b):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00", stock=5)
        _, flat = make_shipping()
    add(client, store_a, mug)
    first = buy(client, store_a, flat)
    with in_store(store_a):
        order = Order.objects.get()
    order_page = f"/orders/{order.token}/"
    assert 'id="pay-now"' in _page(client.get(order_page, HTTP_HOST=host_of(store_a)))
    resumed = client.post(f"/checkout/pay/{order.token}/", HTTP_HOST=host_of(store_a))
    assert (resumed.status_code, resumed["Location"]) == (302, first["Location"])
    # Another store knows nothing of this order.
    assert client.post(f"/checkout/pay/{order.token}/", HTTP_HOST=host_of(store_b)).status_code == 404
    assert client.get(f"/checkout/pay/{order.token}/", HTTP_HOST=host_of(store_a)).status_code == 405

    assert pay_on_stripe(resumed["Location"]).status_code == 303
    paid = _page(client.get(order_page, HTTP_HOST=host_of(store_a)))
    assert "Thank you! Your payment was received." in paid and 'id="pay-now"' not in paid
    again = client.post(f"/checkout/pay/{order.token}/", HTTP_HOST=host_of(store_a))
    assert (again.status_code, again["Location"]) == (302, order_page)
    assert "This order no longer awaits payment." in _page(client.get(order_page, HTTP_HOST=host_of(store_a)))
    with in_store(store_a):
        order.refresh_from_db()
        assert order.status == "paid"
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "paid"]


def test_pay_now_starts_the_payment_an_order_never_got(client, store_a, sandbox_server):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        _, flat = make_shipping()
        from storefront.cart.models import Cart

        cart = Cart.objects.create(token="pay-now-cart")
        cart.lines.create(variant=mug, quantity=1, unit_price=mug.price)
        # Placed, but Stripe was never asked (it was unreachable when the buyer pressed Pay).
        order = place_order(
            cart=cart, checkout_key="pay-now-key", email=ADDRESS["email"],
            address=Address(name="Sam", line1="1 Main St", city="Springfield", region="IL", postal_code="62701",
                            country="US"),
            rate_id=flat.pk, discount_code="", currency="USD", prices_include_tax=False,
            site_url=f"http://{host_of(store_a)}",
        )  # fmt: skip
        assert order.stripe_session_id is None
    resumed = client.post(f"/checkout/pay/{order.token}/", HTTP_HOST=host_of(store_a))
    assert resumed.status_code == 302 and resumed["Location"].startswith(f"{sandbox_server.url}/c/pay/cs_test_")
    with in_store(store_a):
        order.refresh_from_db()
        assert resumed["Location"].endswith(order.stripe_session_id)
