"""Stripe's one webhook endpoint (billing) routes order events to the order's own store: end to end over HTTP."""

from django_tenants.utils import schema_context

from billing.models import StripeEvent
from billing.webhooks import process_event
from storefront.orders.models import Order
from tests.storefront.checkout.support import pay_on_stripe
from tests.storefront.orders.test_payment import place, state
from tests.stripe_sandbox import WEBHOOK_PATH


def _post(client, item):
    return client.post(
        "/billing/stripe/webhook/",
        data=item.body,
        content_type="application/json",
        HTTP_HOST="localhost",
        HTTP_STRIPE_SIGNATURE=item.headers["Stripe-Signature"],
    )


def test_a_paid_checkout_marks_the_order_paid_through_the_webhook_endpoint(
    client, store_a, store_b, sandbox_server, webhook_receiver
):
    order, tent, stripe_url = place(client, store_a)
    pay_on_stripe(stripe_url)
    sandbox_server.drain()
    deliveries = [item for item in webhook_receiver.received if item.path == WEBHOOK_PATH]
    completed = [
        item for item in deliveries
        if item.event["type"] == "checkout.session.completed"
        and item.event["data"]["object"]["id"] == order.stripe_session_id
    ]  # fmt: skip
    assert len(completed) == 1
    for attempt in range(2):  # Stripe may deliver twice: stored once, processed once
        response = _post(client, completed[0])
        assert response.status_code == 200, response.content
    stored = StripeEvent.objects.get(event_id=completed[0].event["id"])
    process_event(event_pk=stored.pk)
    assert state(store_a, order, tent) == ("paid", "committed", 2)
    with schema_context(store_b.schema_name):
        assert not Order.objects.filter(stripe_session_id=order.stripe_session_id).exists()


def test_a_forged_signature_is_refused_and_nothing_is_stored(client, store_a, sandbox_server, webhook_receiver):
    order, tent, stripe_url = place(client, store_a)
    pay_on_stripe(stripe_url)
    sandbox_server.drain()
    item = next(i for i in webhook_receiver.received if i.event["type"] == "checkout.session.completed")
    item.headers["Stripe-Signature"] = item.headers["Stripe-Signature"].replace("v1=", "v1=00")
    assert _post(client, item).status_code == 400
    assert not StripeEvent.objects.filter(event_id=item.event["id"]).exists()
    assert state(store_a, order, tent)[0] == "pending_payment"
