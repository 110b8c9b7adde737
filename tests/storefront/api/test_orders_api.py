"""The seller's order API: list with filters, one order in full, fulfil, refund once per key; other stores see none."""

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from billing.gateway import stripe_client
from storefront.api.models import ApiToken
from storefront.orders.models import Order
from tenants.models import Store
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_concurrency import clean_alpha, store_a_committed  # noqa: F401 (fixtures)

from .conftest import issue_token
from .test_checkout_api import check_out, paid_through_api, stock_a_tent, stock_of


@pytest.fixture(autouse=True)
def _sandbox(sandbox_server):
    return sandbox_server


def seller(client, store, token: str, method: str, path: str, body=None, *, key: str | None = None):
    extra = {"HTTP_HOST": host_of(store), "HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    call = getattr(client, method)
    if body is None:
        return call(f"/api/seller{path}", **extra)
    return call(f"/api/seller{path}", data=json.dumps(body), content_type="application/json", **extra)


def move_order_numbers_past(store_a, store_b) -> None:
    """Give A's next orders numbers store B never used, so B's 404 cannot be a lucky coincidence."""
    # Sequences, not rows: numbers taken by rolled-back tests are used too (Stripe remembers them), and a
    # sequence must only ever move forward.
    highest = 0
    for store in (store_a, store_b):
        with in_store(store), connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_value FROM pg_sequences WHERE sequencename = 'orders_order_id_seq' AND schemaname = %s",
                [store.schema_name],
            )
            highest = max(highest, cursor.fetchone()[0] or 0)
    with in_store(store_a), connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('orders_order', 'id'), %s)", [highest + 1000])


def test_the_order_list_filters_and_pages(client, store_a, token_a):
    _, rate_id = stock_a_tent(store_a)
    paid = paid_through_api(client, store_a, rate_id=rate_id)
    pending = check_out(client, store_a, rate_id=rate_id, email="Robin@Example.com")

    def numbers(query: str = "") -> list[int]:
        response = seller(client, store_a, token_a, "get", f"/orders{query}")
        assert response.status_code == 200, response.content
        return [item["number"] for item in response.json()["items"]]

    assert numbers() == [pending["order_number"], paid["order_number"]]  # newest first
    assert numbers("?status=paid") == [paid["order_number"]]
    assert numbers("?status=pending_payment") == [pending["order_number"]]
    assert numbers("?email=robin@example.com") == [pending["order_number"]]
    soon = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert numbers(f"?created_after={soon}") == []
    assert len(numbers(f"?created_before={soon}")) == 2
    page = seller(client, store_a, token_a, "get", "/orders?limit=1&offset=1").json()
    assert (page["count"], [item["number"] for item in page["items"]]) == (2, [paid["order_number"]])
    first = seller(client, store_a, token_a, "get", "/orders?status=paid").json()["items"][0]
    assert {key: first[key] for key in ("status", "email", "currency", "total", "refunded_total")} == {
        "status": "paid", "email": "sam@example.com", "currency": "USD", "total": "113.90", "refunded_total": "0.00"
    }  # fmt: skip
    bad = seller(client, store_a, token_a, "get", "/orders?status=shipped")
    assert bad.status_code == 422 and "status" in bad.json()["errors"]
    assert seller(client, store_a, token_a, "get", "/orders?created_after=yesterday").status_code == 422


def test_one_order_in_full(client, store_a, token_a):
    tent, rate_id = stock_a_tent(store_a)
    placed = paid_through_api(client, store_a, rate_id=rate_id)
    response = seller(client, store_a, token_a, "get", f"/orders/{placed['order_number']}")
    assert response.status_code == 200, response.content
    order = response.json()
    assert (order["number"], order["status"], order["email"], order["stock_state"]) == (
        placed["order_number"], "paid", "sam@example.com", "committed"
    )  # fmt: skip
    assert order["totals"] == {
        "currency": "USD", "subtotal": "99.00", "discount": "0.00", "shipping": "5.00", "tax": "9.90",
        "total": "113.90", "tax_included": False,
    }  # fmt: skip
    assert (order["refunded_total"], order["refundable"], order["payment_intent"][:3]) == ("0.00", "113.90", "pi_")
    # A line's id is what a partial shipment names (POST .../fulfil {"lines": [{"line_id", "quantity"}]}).
    line_id = order["lines"][0]["id"]
    assert order["lines"] == [
        {"sku": "TENT-1", "title": "Trail Tent", "quantity": 1, "unit_price": "99.00", "line_total": "99.00",
         "promotion": "", "promotion_discount": "0.00",
         "id": line_id, "variant_id": tent.pk, "reserved_quantity": 1, "shipped_quantity": 0}
    ]  # fmt: skip
    with in_store(store_a):
        assert Order.objects.get(pk=placed["order_number"]).lines.get().pk == line_id
    assert order["shipping_address"] == {
        "name": "Sam Shopper", "line1": "1 Main St", "line2": "", "city": "Springfield", "region": "IL",
        "district": "", "phone": "", "postal_code": "62701", "country": "US",
    }  # fmt: skip
    assert order["shipping_method"] == "Standard"
    assert [event["kind"] for event in order["events"]] == ["placed", "payment_started", "paid"]
    assert order["events"][2]["message"].startswith("Stripe payment pi_")
    assert (order["refunds"], order["shipments"]) == ([], [])
    missing = seller(client, store_a, token_a, "get", "/orders/987654321")
    assert (missing.status_code, missing.json()["detail"]) == (404, "No order 987654321 in this store.")
    assert seller(client, store_a, token_a, "get", f"/orders/{2**70}").status_code == 404
    assert seller(client, store_a, token_a, "get", "/orders/abc").status_code == 422


def test_fulfil_a_paid_order_but_not_an_unpaid_one(client, store_a, token_a):
    _, rate_id = stock_a_tent(store_a)
    unpaid = check_out(client, store_a, rate_id=rate_id)
    refused = seller(
        client, store_a, token_a, "post", f"/orders/{unpaid['order_number']}/fulfil",
        {"carrier": "UPS", "tracking_number": "1Z999"},
    )  # fmt: skip
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Only a paid order can be fulfilled; this one is awaiting payment."
    paid = paid_through_api(client, store_a, rate_id=rate_id)
    path = f"/orders/{paid['order_number']}/fulfil"
    blank = seller(client, store_a, token_a, "post", path, {"carrier": "UPS", "tracking_number": ""})
    assert blank.status_code == 422 and "tracking_number" in blank.json()["errors"]
    spaces = seller(client, store_a, token_a, "post", path, {"carrier": "UPS", "tracking_number": "  "})
    assert (spaces.status_code, spaces.json()["errors"]) == (422, {"tracking_number": ["Give the tracking number."]})
    done = seller(client, store_a, token_a, "post", path, {"carrier": "UPS", "tracking_number": "1Z999"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "fulfilled"
    assert [(item["carrier"], item["tracking_number"]) for item in body["shipments"]] == [("UPS", "1Z999")]
    assert body["events"][-1]["kind"] == "fulfilled"
    again = seller(client, store_a, token_a, "post", path, {"carrier": "UPS", "tracking_number": "1Z999"})
    assert (again.status_code, again.json()["detail"]) == (
        409, "Only a paid order can be fulfilled; this one is fulfilled."
    )  # fmt: skip
    buyer = client.get(f"/api/orders/{paid['order_token']}", HTTP_HOST=host_of(store_a)).json()
    assert buyer["shipments"][0]["tracking_number"] == "1Z999"


def test_refunds_happen_once_per_idempotency_key_and_never_beyond_what_was_paid(client, store_a, token_a):
    tent, rate_id = stock_a_tent(store_a)
    placed = paid_through_api(client, store_a, rate_id=rate_id)
    path = f"/orders/{placed['order_number']}/refund"
    first = seller(client, store_a, token_a, "post", path, {"amount": "50.00"}, key="refund-1")
    assert first.status_code == 201, first.content
    retry = seller(client, store_a, token_a, "post", path, {"amount": "50.00"}, key="refund-1")
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert (first.json()["amount"], first.json()["restocked"], first.json()["actor"][:13]) == (
        "50.00", False, "api token mct"
    )  # fmt: skip
    too_much = seller(client, store_a, token_a, "post", path, {"amount": "63.91"}, key="refund-2")
    assert too_much.status_code == 422
    assert too_much.json()["errors"] == {"amount": ["Refund between 0 and 63.90."]}
    negative = seller(client, store_a, token_a, "post", path, {"amount": "-1"}, key="refund-3")
    assert negative.status_code == 422 and "amount" in negative.json()["errors"]
    rest = seller(client, store_a, token_a, "post", path, {"restock": True}, key="refund-4")
    assert rest.status_code == 201
    assert (rest.json()["amount"], rest.json()["restocked"]) == ("63.90", True)
    assert stock_of(store_a, tent) == 3
    order = seller(client, store_a, token_a, "get", f"/orders/{placed['order_number']}").json()
    assert (order["refunded_total"], order["refundable"], order["status"]) == ("113.90", "0.00", "paid")
    assert [refund["amount"] for refund in order["refunds"]] == ["50.00", "63.90"]
    with in_store(store_a):
        intent = Order.objects.get(pk=placed["order_number"]).stripe_payment_intent
    assert sorted(refund.amount for refund in stripe_client().v1.refunds.list({"payment_intent": intent}).data) == [
        5000, 6390
    ]  # fmt: skip
    nothing_left = seller(client, store_a, token_a, "post", path, {}, key="refund-5")
    assert nothing_left.status_code == 422


def _sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        # Statistics views keep one snapshot per transaction; this is read inside one, so drop it each time.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(DISTINCT locks.pid) FROM pg_locks AS locks JOIN pg_stat_activity AS activity"
            " ON activity.pid = locks.pid WHERE NOT locks.granted AND activity.datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.usefixtures("clean_alpha")
def test_two_refund_requests_at_once_with_one_key_answer_201_once_then_200():
    store = Store.objects.get(slug="alpha")  # committed: the request threads' connections must see the data
    token = issue_token(store, "refund race")
    try:
        _, rate_id = stock_a_tent(store, sku="REFUND-RACE")
        placed = paid_through_api(Client(), store, rate_id=rate_id, sku="REFUND-RACE")
        path = f"/orders/{placed['order_number']}/refund"
        answers: list[tuple[int, dict]] = []

        def send() -> None:
            # Each thread has its own database connection, as two web workers would.
            try:
                response = seller(Client(), store, token, "post", path, {"amount": "10.00"}, key="one-refund")
                answers.append((response.status_code, response.json()))
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(2)]
        with in_store(store), transaction.atomic():
            # Hold the order's row lock, as a request busy with Stripe would, until both requests wait for it:
            # both have then looked for the key before either could record the refund.
            Order.objects.select_for_update().get(pk=placed["order_number"])
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 30
            while _sessions_waiting_for_a_lock() < 2:
                if time.monotonic() > deadline:
                    pytest.fail("the two requests never both waited for the order's lock")
                time.sleep(0.05)
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(status for status, _ in answers) == [200, 201], answers
        assert answers[0][1] == answers[1][1]
        with in_store(store):
            order = Order.objects.get(pk=placed["order_number"])
            assert [refund.amount for refund in order.refunds.all()] == [Decimal("10.00")]
            assert order.refunded_total == Decimal("10.00")
        assert [refund.amount for refund in stripe_client().v1.refunds.list(
            {"payment_intent": order.stripe_payment_intent}
        ).data] == [1000]  # fmt: skip
    finally:
        with in_store(store):
            ApiToken.objects.filter(name="refund race").delete()


def test_an_unpaid_order_cannot_be_refunded(client, store_a, token_a):
    _, rate_id = stock_a_tent(store_a)
    unpaid = check_out(client, store_a, rate_id=rate_id)
    response = seller(client, store_a, token_a, "post", f"/orders/{unpaid['order_number']}/refund", {}, key="k")
    assert (response.status_code, response.json()["detail"]) == (409, "Only a paid order can be refunded.")


def test_store_b_token_never_sees_or_changes_store_a_orders(client, store_a, store_b, token_a, token_b):
    move_order_numbers_past(store_a, store_b)
    _, rate_id = stock_a_tent(store_a)
    placed = paid_through_api(client, store_a, rate_id=rate_id)
    number = placed["order_number"]
    _, rate_b = stock_a_tent(store_b, sku="BETA-TENT")
    own = check_out(client, store_b, sku="BETA-TENT", rate_id=rate_b)
    listing = seller(client, store_b, token_b, "get", "/orders").json()
    assert [item["number"] for item in listing["items"]] == [own["order_number"]]
    assert seller(client, store_b, token_b, "get", f"/orders/{number}").status_code == 404
    fulfil = {"carrier": "UPS", "tracking_number": "X"}
    assert seller(client, store_b, token_b, "post", f"/orders/{number}/fulfil", fulfil).status_code == 404
    assert seller(client, store_b, token_b, "post", f"/orders/{number}/refund", {}, key="k").status_code == 404
    # A's token is not a token of B's store, nor B's of A's.
    assert seller(client, store_b, token_a, "get", "/orders").status_code == 401
    assert seller(client, store_a, token_b, "get", f"/orders/{number}").status_code == 401
    assert client.get("/api/seller/orders", HTTP_HOST=host_of(store_a)).status_code == 401
    with in_store(store_a):
        order = Order.objects.get(pk=number)
        assert (order.status, order.refunded_total, order.shipments.count()) == ("paid", 0, 0)


def test_the_order_and_checkout_endpoints_are_in_the_openapi_document(client, store_a, store_b):
    for store in (store_a, store_b):
        document = client.get("/api/openapi.json", HTTP_HOST=host_of(store)).json()
        paths = document["paths"]
        expected = {
            "/api/seller/orders": {"get"},
            "/api/seller/orders/{number}": {"get"},
            "/api/seller/orders/{number}/fulfil": {"post"},
            "/api/seller/orders/{number}/refund": {"post"},
            "/api/checkout": {"post"},
            "/api/checkout/quote": {"post"},
            "/api/orders/{token}": {"get"},
        }
        for path, methods in expected.items():
            assert methods <= set(paths.get(path, {})), path
            for method in methods:
                assert paths[path][method]["description"], (path, method)
        schemas = document["components"]["schemas"]
        assert {"CheckoutIn", "CheckoutOut", "QuoteIn", "QuoteOut", "OrderOut", "PublicOrderOut", "RefundOut"} <= set(
            schemas
        )
        assert "secret" in schemas["CheckoutOut"]["properties"]["order_token"]["description"]
        refund_headers = [p["name"] for p in paths["/api/seller/orders/{number}/refund"]["post"]["parameters"]]
        checkout_headers = [p["name"] for p in paths["/api/checkout"]["post"].get("parameters", [])]
        assert "Idempotency-Key" in refund_headers and "Idempotency-Key" in checkout_headers
        assert set(paths["/api/checkout"]["post"]["responses"]) >= {"200", "201", "409", "422"}
        assert paths["/api/seller/orders/{number}"]["get"]["security"] == [{"StoreToken": []}]
