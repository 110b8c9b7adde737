"""Paying through the sandbox's hosted Checkout: paid only from Stripe's state, idempotent webhook handling."""

import copy
from decimal import Decimal
from urllib.parse import urlsplit

from storefront.cart.models import CartLine
from storefront.orders.models import Order
from storefront.orders.payments import handle_order_event
from tests.conftest import host_of
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant, pay_on_stripe


def place(client, store, *, stock: int = 3, quantity: int = 1):
    with in_store(store):
        tent = make_variant("Tent", "99.00", stock=stock)
        _, flat = make_shipping(tax="10")
    add(client, store, tent, quantity)
    response = buy(client, store, flat)
    assert response.status_code == 302
    with in_store(store):
        return Order.objects.get(), tent, response["Location"]


def state(store, order, variant):
    with in_store(store):
        order.refresh_from_db()
        variant.refresh_from_db()
        return order.status, order.stock_state, variant.stock


def completed_event(webhook_receiver, session_id):
    return next(
        event
        for event in webhook_receiver.events()
        if event["type"] == "checkout.session.completed" and event["data"]["object"]["id"] == session_id
    )


def test_paying_on_stripe_and_returning_marks_the_order_paid_and_empties_the_cart(client, store_a):
    order, tent, stripe_url = place(client, store_a, quantity=2)
    paid = pay_on_stripe(stripe_url)
    assert paid.status_code == 303
    back = urlsplit(paid.headers["Location"])
    assert (back.netloc, back.path, back.query) == (
        host_of(store_a), f"/orders/{order.token}/", f"session_id={order.stripe_session_id}"
    )  # fmt: skip
    page = client.get(f"{back.path}?{back.query}", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Thank you! Your payment was received." in page
    assert state(store_a, order, tent) == ("paid", "committed", 1)
    with in_store(store_a):
        assert (order.total, order.stripe_payment_intent.startswith("pi_")) == (Decimal("222.80"), True)
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "paid"]
        assert not CartLine.objects.exists()


def test_the_success_url_of_an_unpaid_session_does_not_mark_it_paid(client, store_a):
    order, tent, _ = place(client, store_a)
    page = client.get(
        f"/orders/{order.token}/?session_id={order.stripe_session_id}", HTTP_HOST=host_of(store_a)
    ).content.decode()
    assert "Awaiting payment." in page
    assert state(store_a, order, tent) == ("pending_payment", "reserved", 2)


def test_a_declined_card_leaves_the_order_unpaid(client, store_a):
    order, tent, stripe_url = place(client, store_a)
    declined = pay_on_stripe(stripe_url, card="4000000000000002")
    assert declined.status_code == 402
    client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a))
    assert state(store_a, order, tent) == ("pending_payment", "reserved", 2)


def test_a_replayed_webhook_event_makes_one_paid_transition(client, store_a, sandbox_server, webhook_receiver):
    order, tent, stripe_url = place(client, store_a)
    pay_on_stripe(stripe_url)
    sandbox_server.drain()
    event = completed_event(webhook_receiver, order.stripe_session_id)
    assert event["data"]["object"]["metadata"] == {"mercato_order": str(order.pk), "mercato_schema": "store_alpha"}
    handle_order_event(event)
    handle_order_event(event)
    assert state(store_a, order, tent) == ("paid", "committed", 2)
    with in_store(store_a):
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "paid"]
    # The buyer's return afterwards changes nothing either.
    client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a))
    with in_store(store_a):
        assert order.events.filter(kind="paid").count() == 1


def test_a_forged_completed_event_for_an_unpaid_session_changes_nothing(client, store_a):
    order, tent, _ = place(client, store_a)
    event = {
        "id": "evt_forged",
        "type": "checkout.session.completed",
        "data": {"object": {"id": order.stripe_session_id, "object": "checkout.session", "payment_status": "paid",
                            "metadata": {"mercato_order": str(order.pk), "mercato_schema": store_a.schema_name}}},
    }  # fmt: skip
    handle_order_event(event)
    assert state(store_a, order, tent) == ("pending_payment", "reserved", 2)


def test_an_event_for_store_a_never_touches_store_b(client, store_a, store_b, sandbox_server, webhook_receiver):
    order_a, tent_a, stripe_url = place(client, store_a)
    order_b, tent_b, _ = place(client, store_b)
    pay_on_stripe(stripe_url)
    sandbox_server.drain()
    event = completed_event(webhook_receiver, order_a.stripe_session_id)
    # Pointed at B's schema and B's order number, A's session is still not B's order's session.
    forged = copy.deepcopy(event)
    forged["data"]["object"]["metadata"] = {"mercato_order": str(order_b.pk), "mercato_schema": store_b.schema_name}
    handle_order_event(forged)
    assert state(store_b, order_b, tent_b) == ("pending_payment", "reserved", 2)
    handle_order_event(event)
    assert state(store_a, order_a, tent_a) == ("paid", "committed", 2)
    assert state(store_b, order_b, tent_b) == ("pending_payment", "reserved", 2)
    unknown = copy.deepcopy(event)
    unknown["data"]["object"]["metadata"]["mercato_schema"] = "store_nope"
    handle_order_event(unknown)  # an unknown store is ignored, not created or guessed


def test_an_expired_session_event_releases_the_stock(client, store_a, sandbox_server, webhook_receiver):
    from billing.gateway import stripe_client

    order, tent, _ = place(client, store_a)
    stripe_client().v1.checkout.sessions.expire(order.stripe_session_id)
    sandbox_server.drain()
    event = next(
        item
        for item in webhook_receiver.events()
        if item["type"] == "checkout.session.expired" and item["data"]["object"]["id"] == order.stripe_session_id
    )
    handle_order_event(event)
    handle_order_event(event)
    assert state(store_a, order, tent) == ("cancelled", "released", 3)
    with in_store(store_a):
        assert order.events.filter(kind="released").count() == 1


def test_store_b_cannot_open_store_a_order_page(client, store_a, store_b):
    order, _, _ = place(client, store_a)
    assert client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_b)).status_code == 404
    assert client.get("/orders/not-a-token/", HTTP_HOST=host_of(store_a)).status_code == 404
