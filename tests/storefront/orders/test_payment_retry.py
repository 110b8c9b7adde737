"""A buyer pays, and the worker's first go at Stripe's event dies on a database error: the task is retried, the
order is paid once, and the buyer gets one confirmation. Real worker, real PostgreSQL, the Stripe sandbox."""

from __future__ import annotations

import email
import time

import pytest
from django.db import connection

from billing.models import StripeEvent
from storefront.cart.models import Cart
from storefront.catalog.models import Product
from storefront.checkout.models import CheckoutSettings, ShippingZone
from storefront.orders.models import Order, OrderEmail
from tenants.models import Store
from tests.conftest import STORE_A, STORE_B, wait_for_email
from tests.db_faults import cut_off_backend_waiting_on, row_locked
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant, pay_on_stripe
from tests.stripe_sandbox import WEBHOOK_PATH

BUYER = "retry-buyer@example.com"


@pytest.fixture
def selling_alpha(committed):
    store = Store.objects.get(slug=STORE_A["slug"])
    events_before = set(StripeEvent.objects.values_list("pk", flat=True))
    with in_store(store):
        products_before = set(Product.objects.values_list("pk", flat=True))
    yield store
    StripeEvent.objects.exclude(pk__in=events_before).delete()
    with in_store(store):
        Order.objects.all().delete()
        Cart.objects.all().delete()
        ShippingZone.objects.all().delete()
        CheckoutSettings.objects.all().delete()
        Product.objects.exclude(pk__in=products_before).delete()
    connection.set_schema_to_public()


def _confirmations_in_outbox(worker, to: str) -> int:
    count = 0
    for path in worker.outbox.glob("*.log"):
        for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
            message = email.message_from_string(raw.strip())
            count += message["To"] == to and "confirmed" in (message["Subject"] or "")
    return count


def test_an_order_paid_while_the_database_failed_for_a_moment_is_paid_after_the_retry_with_one_confirmation(
    selling_alpha, client, celery_worker, sandbox_server, webhook_receiver
):
    store = selling_alpha
    with in_store(store):
        mug = make_variant("Retry Mug", "12.50")
        _, flat = make_shipping(tax="0")
    add(client, store, mug, 2)
    stripe_url = buy(client, store, flat, email=BUYER)["Location"]
    with in_store(store):
        order = Order.objects.get()
    # The buyer pays on Stripe's page and never comes back to the order page: only the webhook can mark it paid.
    assert pay_on_stripe(stripe_url).status_code == 303
    sandbox_server.drain()
    [completed] = [
        item for item in webhook_receiver.received
        if item.path == WEBHOOK_PATH and item.event["type"] == "checkout.session.completed"
        and item.event["data"]["object"]["id"] == order.stripe_session_id
    ]  # fmt: skip

    with row_locked(f"{store.schema_name}.orders_order", order.pk):
        # Stripe calls the endpoint; after the commit the worker takes the event, asks Stripe, and waits for the
        # order row. PostgreSQL then drops the worker's connection in the middle of the handler.
        response = client.post(
            "/billing/stripe/webhook/", data=completed.body, content_type="application/json", HTTP_HOST="localhost",
            HTTP_STRIPE_SIGNATURE=completed.headers["Stripe-Signature"],
        )  # fmt: skip
        assert response.status_code == 200
        cut_off_backend_waiting_on("orders_order")

    message = wait_for_email(celery_worker, to=BUYER, subject=f"order #{order.pk} confirmed")
    assert "\n  2 x 12.50 USD = 25.00 USD\n" in message and "\nTotal: 30.00 USD\n" in message
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and StripeEvent.objects.get(event_id=completed.event["id"]).status != "processed":
        time.sleep(0.1)
    event = StripeEvent.objects.get(event_id=completed.event["id"])
    assert (event.status, event.error, event.attempts) == ("processed", "", 2)
    with in_store(store):
        order.refresh_from_db()
        assert (order.status, order.stock_state) == ("paid", "committed")
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "paid"]
        [confirmation] = OrderEmail.objects.filter(order=order, kind=OrderEmail.Kind.CONFIRMATION)
        assert confirmation.sent_at is not None and confirmation.attempts == 1
    assert _confirmations_in_outbox(celery_worker, BUYER) == 1
    # The event named alpha's order; beta has no order for that session.
    with in_store(Store.objects.get(slug=STORE_B["slug"])):
        assert not Order.objects.filter(stripe_session_id=order.stripe_session_id).exists()
