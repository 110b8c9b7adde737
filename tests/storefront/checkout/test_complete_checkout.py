"""The checkout page's Pay and POST /api/checkout complete a checkout through one service, so they end alike."""

import json
import re

from django.test import Client

from storefront.catalog.models import InventoryAdjustment
from storefront.checkout.models import DiscountRedemption
from storefront.customers.models import CustomerOrder
from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.checkout.support import (
    ADDRESS,
    add,
    checkout_page,
    in_store,
    make_code,
    make_shipping,
    make_variant,
    pay,
    pay_on_stripe,
    review,
)
from tests.storefront.customers.support import make_customer, sign_in

ORDER_FIELDS = [
    "status", "stock_state", "email", "site_url", "currency", "ship_name", "ship_line1", "ship_line2", "ship_city",
    "ship_region", "ship_postal_code", "ship_country", "shipping_method", "discount_code", "prices_include_tax", "subtotal",
    "discount_total", "shipping_total", "tax_total", "total", "refunded_total",
]  # fmt: skip


def api_checkout(client, store, body: dict, *, key: str, **headers):
    return client.post(
        "/api/checkout",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_HOST=host_of(store),
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


def api_body(lines: list[tuple[str, int]], rate_id: int, **fields) -> dict:
    address = {name: ADDRESS[name] for name in ("name", "line1", "city", "region", "postal_code", "country")}
    return {
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "email": ADDRESS["email"],
        "shipping_address": address,
        "shipping_method_id": rate_id,
        **fields,
    }


def record(store, order: Order) -> dict:
    """Everything checkout and payment left about ``order``, with what is its own by nature (number, token, Stripe
    ids, the minute its stock is held until) written as placeholders, so two orders can be compared."""
    with in_store(store):
        order.refresh_from_db()
        own = {
            order.token: "<token>",
            order.stripe_session_id: "<session>",
            order.stripe_payment_intent: "<payment>",
            f"until {order.reserved_until:%H:%M}": "until <time>",
        }

        def plain(text: str) -> str:
            for value, placeholder in own.items():
                text = text.replace(value, placeholder)
            text = re.sub(rf"#{order.pk}\b", "#<number>", text)
            return re.sub(rf"/orders/{order.pk}/", "/orders/<number>/", text)

        return {
            "order": {name: getattr(order, name) for name in ORDER_FIELDS},
            "lines": sorted(
                order.lines.values_list("sku", "title", "unit_price", "quantity", "line_total", "reserved_quantity")
            ),
            "events": [(kind, plain(message)) for kind, message in order.events.values_list("kind", "message")],
            "emails": [
                (kind, reference, to, plain(subject), plain(body))
                for kind, reference, to, subject, body in order.emails.values_list(
                    "kind", "reference", "to", "subject", "body"
                )
            ],
            "account": list(CustomerOrder.objects.filter(order=order).values_list("customer__email", "how")),
            "discount_uses": list(
                DiscountRedemption.objects.filter(order=order).values_list("discount__code", "email")
            ),
            "stock_moves": sorted(
                InventoryAdjustment.objects.filter(note=f"Reserved for order #{order.pk}").values_list(
                    "variant__sku", "delta", "reason", "actor"
                )
            ),
        }


def test_the_page_and_the_api_give_the_same_order_events_and_emails(store_a, owner_a):
    make_customer(store_a)
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=10)
        mug = make_variant("Camp Mug", "12.50")
        _, flat = make_shipping(tax="10")
        code = make_code("TENOFF", "percentage", "10")
    buyer = Client()
    sign_in(buyer, store_a)

    add(buyer, store_a, tent, 2)
    add(buyer, store_a, mug, 1)
    _, key = checkout_page(buyer, store_a)
    _, quoted = review(buyer, store_a, key, shipping_rate=flat.pk, discount_code="tenoff")
    on_page = pay(buyer, store_a, key, quoted, shipping_rate=flat.pk, discount_code="tenoff")
    assert on_page.status_code == 302, on_page.content.decode()
    body = api_body([(tent.sku, 2), (mug.sku, 1)], flat.pk, discount_code="tenoff", expected_total=quoted.split("|")[3])
    by_api = api_checkout(buyer, store_a, body, key="same-basket")
    assert by_api.status_code == 201, by_api.content
    with in_store(store_a):
        page_order, api_order = Order.objects.order_by("pk")

    # Both paid on Stripe's page, and confirmed where each kind of buyer comes back: the order page, the API.
    assert pay_on_stripe(on_page["Location"]).status_code == 303
    assert pay_on_stripe(by_api.json()["payment_url"]).status_code == 303
    assert buyer.get(f"/orders/{page_order.token}/", HTTP_HOST=host_of(store_a)).status_code == 200
    assert buyer.get(f"/api/orders/{api_order.token}", HTTP_HOST=host_of(store_a)).json()["status"] == "paid"

    from_page, from_api = record(store_a, page_order), record(store_a, api_order)
    assert from_page == from_api
    # And what they agree on is the whole checkout: 2 x 99.00 + 12.50, 10 % off, $5.00 shipping, 10 % tax.
    assert {name: str(from_page["order"][name]) for name in ("subtotal", "discount_total", "shipping_total",
                                                               "tax_total", "total", "status")} == {
        "subtotal": "210.50", "discount_total": "21.05", "shipping_total": "5.00", "tax_total": "18.95",
        "total": "213.40", "status": "paid",
    }  # fmt: skip
    assert [kind for kind, _ in from_page["events"]] == ["placed", "payment_started", "paid"]
    assert [(kind, to) for kind, _, to, _, _ in from_page["emails"]] == [
        ("confirmation", "sam@example.com"),
        ("seller_new_order", "owner@alpha.test"),
    ]
    assert from_page["account"] == [("sam@example.com", "placed")]
    assert from_page["discount_uses"] == [("TENOFF", "sam@example.com")]
    assert from_page["stock_moves"] == [(tent.sku, -2, "sold", "checkout")]
    with in_store(store_a):
        code.refresh_from_db()
        tent.refresh_from_db()
        assert (code.times_used, tent.stock) == (2, 6)


def test_the_api_puts_a_signed_in_buyers_order_in_their_account_only_with_the_stores_csrf_token(store_a):
    make_customer(store_a)
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=10)
        _, flat = make_shipping()
    signing_in = Client()
    sign_in(signing_in, store_a)
    # A browser that checks CSRF like the live site: the session alone may have come from another store's page.
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = signing_in.cookies
    add(browser, store_a, tent)  # the checkout page shows its form, and so a CSRF token, to a filled cart
    page, _ = checkout_page(browser, store_a)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    forged = api_checkout(browser, store_a, api_body([(tent.sku, 1)], flat.pk), key="no-token")
    own = api_checkout(browser, store_a, api_body([(tent.sku, 1)], flat.pk), key="with-token", HTTP_X_CSRFTOKEN=csrf)
    assert (forged.status_code, own.status_code) == (201, 201)
    with in_store(store_a):
        linked = list(CustomerOrder.objects.values_list("order__token", "customer__email", "how"))
    assert linked == [(own.json()["order_token"], "sam@example.com", "placed")]


def test_pressing_pay_with_someone_elses_checkout_key_does_not_put_their_order_in_your_account(store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=10)
        _, flat = make_shipping()
    guest = Client()
    add(guest, store_a, tent)
    _, key = checkout_page(guest, store_a)
    _, quoted = review(guest, store_a, key, shipping_rate=flat.pk)
    first = pay(guest, store_a, key, quoted, shipping_rate=flat.pk)
    assert first.status_code == 302

    make_customer(store_a, email="robin@example.com")
    robin = Client()
    sign_in(robin, store_a, email="robin@example.com")
    add(robin, store_a, tent)
    _, robins_quote = review(robin, store_a, key, shipping_rate=flat.pk)
    replayed = pay(robin, store_a, key, robins_quote, shipping_rate=flat.pk)
    # The key finds its order (that is what a retry needs), but the order stays the guest's.
    assert replayed["Location"] == first["Location"]
    with in_store(store_a):
        assert Order.objects.count() == 1
        assert not CustomerOrder.objects.exists()


def test_a_checkout_key_of_store_a_pressed_on_store_b_makes_store_bs_own_order(store_a, store_b):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=10)
        _, flat_a = make_shipping()
    with in_store(store_b):
        book = make_variant("Book", "10.00", stock=10)
        _, flat_b = make_shipping()
    buyer_a, buyer_b = Client(), Client()
    add(buyer_a, store_a, tent)
    _, key = checkout_page(buyer_a, store_a)
    _, quoted = review(buyer_a, store_a, key, shipping_rate=flat_a.pk)
    on_a = pay(buyer_a, store_a, key, quoted, shipping_rate=flat_a.pk)
    assert on_a.status_code == 302

    # The same key sent with Pay on store B: B's checkout, B's cart, B's order.
    add(buyer_b, store_b, book)
    _, quoted_b = review(buyer_b, store_b, key, shipping_rate=flat_b.pk)
    on_b = pay(buyer_b, store_b, key, quoted_b, shipping_rate=flat_b.pk)
    assert on_b.status_code == 302
    assert on_b["Location"] != on_a["Location"]
    with in_store(store_a):
        order_a = Order.objects.get()
    with in_store(store_b):
        order_b = Order.objects.get()
        assert list(order_b.lines.values_list("sku", flat=True)) == [book.sku]
    assert order_b.checkout_key == order_a.checkout_key == key
    assert order_b.token != order_a.token
