"""The buyer's checkout API: quote, place and pay, read the order by its token; retries, bad input, isolation."""

import json
import threading
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client

from storefront.cart.models import Cart
from storefront.catalog.models import ProductVariant
from storefront.catalog.services import create_product
from storefront.orders.models import Order
from tenants.models import Store
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store, make_code, make_shipping, pay_on_stripe
from tests.storefront.orders.test_concurrency import clean_alpha, store_a_committed  # noqa: F401 (fixtures)
from tests.support import WAIT_TIMEOUT

ADDRESS = {
    "name": "Sam Shopper",
    "line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


@pytest.fixture(autouse=True)
def _sandbox(sandbox_server):
    return sandbox_server


def stock_a_tent(store, *, sku: str = "TENT-1", stock: int = 3, price: str = "99.00") -> tuple[ProductVariant, int]:
    """A tracked $99 tent and North America's $5.00 flat rate (10 % tax); returns the variant and the rate id."""
    with in_store(store):
        product = create_product(title="Trail Tent", price=Decimal(price), sku=sku, stock=stock, track_inventory=True)
        _, flat = make_shipping(tax="10")
        return product.variants.get(), flat.pk


def post(client, store, path: str, body, *, key: str | None = None):
    extra = {"HTTP_HOST": host_of(store)}
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(f"/api{path}", data=json.dumps(body), content_type="application/json", **extra)


def order_request(sku: str, rate_id: int, *, quantity: int = 1, **fields) -> dict:
    return {
        "lines": [{"sku": sku, "quantity": quantity}],
        "email": "sam@example.com",
        "shipping_address": ADDRESS,
        "shipping_method_id": rate_id,
        **fields,
    }


def check_out(client, store, *, sku: str = "TENT-1", rate_id: int, key: str | None = None, **fields) -> dict:
    response = post(client, store, "/checkout", order_request(sku, rate_id, **fields), key=key)
    assert response.status_code == 201, response.content
    return response.json()


def order_status(client, store, token: str):
    return client.get(f"/api/orders/{token}", HTTP_HOST=host_of(store))


def paid_through_api(client, store, *, rate_id: int, sku: str = "TENT-1", **fields) -> dict:
    """Check out through the API, pay on the sandbox's Checkout page, and read the order back (now paid)."""
    placed = check_out(client, store, sku=sku, rate_id=rate_id, **fields)
    assert pay_on_stripe(placed["payment_url"]).status_code == 303
    body = order_status(client, store, placed["order_token"]).json()
    assert body["status"] == "paid"
    return placed


def counts(store) -> tuple[int, int]:
    with in_store(store):
        return Order.objects.count(), Cart.objects.count()


def stock_of(store, variant) -> int:
    with in_store(store):
        variant.refresh_from_db()
        return variant.stock


TOTALS = {
    "currency": "USD",
    "subtotal": "99.00",
    "discount": "0.00",
    "shipping": "5.00",
    "tax": "9.90",
    "total": "113.90",
    "tax_included": False,
}


def test_a_quote_prices_the_lines_and_offers_shipping_without_reserving(client, store_a):
    tent, rate_id = stock_a_tent(store_a)
    body = {"lines": [{"sku": "TENT-1", "quantity": 1}], "country": "us", "shipping_method_id": rate_id}
    response = post(client, store_a, "/checkout/quote", body)
    assert response.status_code == 200, response.content
    quote = response.json()
    assert quote["lines"] == [
        {
            "sku": "TENT-1",
            "title": "Trail Tent",
            "quantity": 1,
            "unit_price": "99.00",
            "line_total": "99.00",
            "promotion": "",
            "promotion_discount": "0.00",
        }
    ]
    assert quote["totals"] == TOTALS
    assert quote["shipping_methods"] == [{"id": rate_id, "name": "Standard", "price": "5.00"}]
    assert (quote["shipping_method_id"], quote["discount_code"]) == (rate_id, "")
    # Merchandise only, before a destination is known.
    bare = post(client, store_a, "/checkout/quote", {"lines": [{"variant_id": tent.pk, "quantity": 2}]}).json()
    assert (bare["totals"]["subtotal"], bare["totals"]["total"], bare["shipping_methods"]) == ("198.00", "198.00", [])
    assert counts(store_a) == (0, 0)
    assert stock_of(store_a, tent) == 3


def test_checkout_reserves_stock_and_the_order_is_paid_only_once_stripe_says_so(client, store_a):
    tent, rate_id = stock_a_tent(store_a)
    placed = check_out(client, store_a, rate_id=rate_id, quantity=2, key="buy-1")
    with in_store(store_a):
        order = Order.objects.get()
    assert placed == {
        "order_number": order.pk,
        "order_token": order.token,
        "status": "pending_payment",
        "payment_url": placed["payment_url"],
        "totals": {**TOTALS, "subtotal": "198.00", "tax": "19.80", "total": "222.80"},
    }
    assert urlsplit(placed["payment_url"]).path.startswith("/c/pay/")
    assert (order.checkout_key.startswith("api-"), order.email, stock_of(store_a, tent)) == (True, "sam@example.com", 1)

    before = order_status(client, store_a, placed["order_token"])
    assert before.status_code == 200
    assert before.json()["status"] == "pending_payment"
    assert pay_on_stripe(placed["payment_url"]).status_code == 303
    after = order_status(client, store_a, placed["order_token"]).json()
    assert (after["number"], after["status"], after["status_label"]) == (order.pk, "paid", "Paid")
    assert after["totals"]["total"] == "222.80"
    assert after["lines"] == [
        {
            "sku": "TENT-1",
            "title": "Trail Tent",
            "quantity": 2,
            "unit_price": "99.00",
            "line_total": "198.00",
            "promotion": "",
            "promotion_discount": "0.00",
        }
    ]
    # A US address has no district or mobile number (asked for Chinese addresses only).
    assert after["shipping_address"] == {**ADDRESS, "line2": "", "district": "", "phone": ""}
    assert [event["kind"] for event in after["events"]] == ["placed", "payment_started", "paid"]
    # The buyer's view holds no email, payment references or internal ids.
    text = json.dumps(after)
    assert "sam@example.com" not in text and "pi_" not in text and "cs_" not in text
    assert not {"email", "payment_intent", "id", "token"} & set(after)
    with in_store(store_a):
        order.refresh_from_db()
        assert (order.status, order.stock_state) == ("paid", "committed")


def test_a_declined_card_leaves_the_order_unpaid(client, store_a):
    _, rate_id = stock_a_tent(store_a)
    placed = check_out(client, store_a, rate_id=rate_id)
    assert pay_on_stripe(placed["payment_url"], card="4000000000000002").status_code == 402
    assert order_status(client, store_a, placed["order_token"]).json()["status"] == "pending_payment"


def test_the_same_idempotency_key_makes_one_order(client, store_a):
    tent, rate_id = stock_a_tent(store_a)
    first = post(client, store_a, "/checkout", order_request("TENT-1", rate_id), key="retry-me")
    again = post(client, store_a, "/checkout", order_request("TENT-1", rate_id), key="retry-me")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert counts(store_a) == (1, 1)
    assert stock_of(store_a, tent) == 2
    # With the last units held by the first order, a retry still answers with that order, not "sold out".
    post(client, store_a, "/checkout", order_request("TENT-1", rate_id, quantity=2), key="other")
    assert stock_of(store_a, tent) == 0
    assert post(client, store_a, "/checkout", order_request("TENT-1", rate_id), key="retry-me").json() == first.json()
    assert counts(store_a) == (2, 2)


def test_a_discount_code_and_the_expected_total(client, store_a):
    _, rate_id = stock_a_tent(store_a)
    with in_store(store_a):
        make_code("TENOFF", "percentage", "10")
    quote = post(
        client,
        store_a,
        "/checkout/quote",
        {"lines": [{"sku": "TENT-1", "quantity": 1}], "country": "US", "shipping_method_id": rate_id,
         "discount_code": "tenoff"},
    ).json()  # fmt: skip
    assert (quote["discount_code"], quote["totals"]["discount"], quote["totals"]["total"]) == (
        "TENOFF", "9.90", "103.01"
    )  # fmt: skip
    stale = post(client, store_a, "/checkout", order_request("TENT-1", rate_id, discount_code="tenoff",
                                                             expected_total="113.90"))  # fmt: skip
    assert stale.status_code == 422
    assert stale.json()["errors"] == {"__all__": ["The total is now 103.01; check it and pay again."]}
    placed = check_out(client, store_a, rate_id=rate_id, discount_code="tenoff", expected_total="103.01")
    assert placed["totals"]["discount"] == "9.90"
    with in_store(store_a):
        assert Order.objects.get().discount_code == "TENOFF"


@pytest.mark.usefixtures("clean_alpha")
def test_two_requests_at_once_with_one_idempotency_key_make_one_order():
    store = Store.objects.get(slug="alpha")  # committed: each thread's connection must see the data
    tent, rate_id = stock_a_tent(store, sku="RACE-TENT", stock=5)
    with in_store(store):
        # Counted from here: another test's committed rows in this store must not decide this one.
        orders_before, carts_before = Order.objects.count(), Cart.objects.count()
    for round_ in range(5):
        barrier = threading.Barrier(2)
        answers: list[tuple[int, dict]] = []

        def send(key: str = f"same-{round_}") -> None:
            # Each thread has its own database connection, as two web workers would.
            try:
                barrier.wait()
                response = post(Client(), store, "/checkout", order_request("RACE-TENT", rate_id), key=key)
                answers.append((response.status_code, response.json()))
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT_TIMEOUT)
        assert sorted(status for status, _ in answers) == [200, 201], answers
        assert answers[0][1] == answers[1][1]
        with in_store(store):
            order = Order.objects.get(checkout_key__startswith="api-", token=answers[0][1]["order_token"])
            # One order, one cart (the second request's cart went with its transaction), one unit held.
            assert Order.objects.count() == orders_before + round_ + 1
            assert Cart.objects.count() == carts_before + round_ + 1
            assert order.lines.get().reserved_quantity == 1
            tent.refresh_from_db()
            assert tent.stock == 5 - (round_ + 1)


BAD_INPUTS = [
    ({"shipping_address": {**ADDRESS, "country": "USA"}}, "shipping_address.country",
     "Give the country as a two-letter ISO code, e.g. US."),
    ({"shipping_address": {**ADDRESS, "country": "FR"}}, "shipping_address.country",
     "This store does not ship to that country."),
    ({"shipping_address": {**ADDRESS, "postal_code": "ABCDE"}}, "shipping_address.postal_code",
     "Enter a valid postal code for this country."),
    ({"lines": [{"sku": "TENT-1", "quantity": -1}]}, "lines.0.quantity", "Input should be greater than or equal to 1"),
    ({"lines": [{"sku": "TENT-1", "quantity": 1000}]}, "lines.0.quantity", "Input should be less than or equal to 999"),
    ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines.0.sku", "No product with SKU 'NOPE' is for sale in this store."),
    ({"lines": [{"sku": "  ", "quantity": 1}]}, "lines.0.sku", "No product with SKU '  ' is for sale in this store."),
    ({"lines": [{"variant_id": 999999, "quantity": 1}]}, "lines.0.variant_id",
     "No variant 999999 is for sale in this store."),
    ({"lines": [{"quantity": 1}]}, "lines.0", "Give either sku or variant_id."),
    ({"lines": []}, "lines", "List should have at least 1 item after validation, not 0"),
    ({"discount_code": "BOGUS"}, "discount_code", "This discount code is not valid."),
    ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ({"shipping_method_id": 999999}, "shipping_method_id", "That shipping method is not available for this order."),
    ({"expected_total": "12.345"}, "expected_total", "Expected total in USD can have at most 2 decimal places."),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUTS)
def test_bad_input_is_a_422_with_field_errors_and_writes_nothing(client, store_a, change, field, message):
    tent, rate_id = stock_a_tent(store_a)
    response = post(client, store_a, "/checkout", {**order_request("TENT-1", rate_id), **change})
    assert response.status_code == 422, response.content
    assert message in response.json()["errors"][field]
    assert counts(store_a) == (0, 0)
    assert stock_of(store_a, tent) == 3


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"country": "US", "postal_code": "1"}, "postal_code", "Enter a valid postal code for this country."),
        ({"country": "FR"}, "country", "This store does not ship to that country."),
        ({"discount_code": "BOGUS"}, "discount_code", "This discount code is not valid."),
        ({"country": "US", "shipping_method_id": 999999}, "shipping_method_id",
         "That shipping method is not available for this order."),
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines.0.sku", "No product with SKU 'NOPE' is for sale in this store."),
    ],
)  # fmt: skip
def test_a_bad_quote_is_a_422_too(client, store_a, change, field, message):
    stock_a_tent(store_a)
    response = post(client, store_a, "/checkout/quote", {"lines": [{"sku": "TENT-1", "quantity": 1}], **change})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][field] == [message]
    assert counts(store_a) == (0, 0)


def test_malformed_bodies_are_refused_without_a_500(client, store_a):
    host = host_of(store_a)
    for body in ("{", "[]", '{"lines": "TENT-1"}', "null"):
        response = client.post("/api/checkout", data=body, content_type="application/json", HTTP_HOST=host)
        assert 400 <= response.status_code < 500, (body, response.status_code)
    assert counts(store_a) == (0, 0)


def test_out_of_stock_is_a_409_naming_the_item(client, store_a):
    tent, rate_id = stock_a_tent(store_a, stock=1)
    response = post(client, store_a, "/checkout", order_request("TENT-1", rate_id, quantity=2))
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 1 of Trail Tent (Default) left.",
        "errors": {"lines.0.quantity": ["Only 1 of Trail Tent (Default) left."]},
    }
    check_out(client, store_a, rate_id=rate_id)
    sold_out = post(client, store_a, "/checkout", order_request("TENT-1", rate_id))
    assert (sold_out.status_code, sold_out.json()["detail"]) == (409, "Trail Tent (Default) is sold out.")
    quote = post(client, store_a, "/checkout/quote", {"lines": [{"sku": "TENT-1", "quantity": 1}]})
    assert quote.status_code == 409
    assert counts(store_a) == (1, 1)
    assert stock_of(store_a, tent) == 0


def test_an_unknown_order_token_is_404(client, store_a):
    response = order_status(client, store_a, "not-a-token")
    assert (response.status_code, response.json()["detail"]) == (404, "No such order in this store.")
    assert order_status(client, store_a, "x" * 65).status_code == 422


def test_store_b_neither_shows_store_a_orders_nor_sells_its_skus(client, store_a, store_b):
    _, rate_a = stock_a_tent(store_a, sku="ALPHA-ONLY-TENT")
    _, rate_b = stock_a_tent(store_b, sku="BETA-TENT")
    placed = check_out(client, store_a, sku="ALPHA-ONLY-TENT", rate_id=rate_a, key="shared-key")
    assert order_status(client, store_b, placed["order_token"]).status_code == 404
    bought = post(client, store_b, "/checkout", order_request("ALPHA-ONLY-TENT", rate_b))
    assert bought.status_code == 422
    assert bought.json()["errors"] == {
        "lines.0.sku": ["No product with SKU 'ALPHA-ONLY-TENT' is for sale in this store."]
    }
    # The same Idempotency-Key on another store is another store's checkout: it never finds A's order.
    own = check_out(client, store_b, sku="BETA-TENT", rate_id=rate_b, key="shared-key")
    assert own["order_token"] != placed["order_token"]
    assert counts(store_a) == (1, 1)
    assert counts(store_b) == (1, 1)
