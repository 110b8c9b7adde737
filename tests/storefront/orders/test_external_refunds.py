"""Refunds made outside Mercato (Stripe's dashboard) arrive as charge.refunded and are recorded once, in their store."""

import copy
from decimal import Decimal

from billing.gateway import stripe_client
from billing.models import StripeEvent
from billing.webhooks import process_event
from storefront.orders.models import OrderEmail, Refund
from storefront.orders.payments import handle_order_event, refund_order
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_dashboard import paid_order
from tests.storefront.orders.test_webhook_routing import _post
from tests.stripe_sandbox import WEBHOOK_PATH


def _refund_in_stripes_dashboard(order, amount: int) -> str:
    """A refund made straight in Stripe: no Mercato metadata on it, only the charge knows the order."""
    return stripe_client().v1.refunds.create({"payment_intent": order.stripe_payment_intent, "amount": amount}).id


def _charge_refunded(sandbox_server, webhook_receiver, order, refund_id: str):
    """The signed charge.refunded delivery that followed ``refund_id`` (told apart by the amount it added)."""
    sandbox_server.drain()
    amount = stripe_client().v1.refunds.retrieve(refund_id).amount
    return next(
        item
        for item in webhook_receiver.received
        if item.path == WEBHOOK_PATH
        and item.event["type"] == "charge.refunded"
        and item.event["data"]["object"]["payment_intent"] == order.stripe_payment_intent
        and item.event["data"]["object"]["amount_refunded"]
        - item.event["data"]["previous_attributes"]["amount_refunded"]
        == amount
    )


def test_a_dashboard_refund_is_recorded_once_through_the_webhook_endpoint(
    client, store_a, sandbox_server, webhook_receiver
):
    order = paid_order(client, store_a)  # $113.90
    refund_id = _refund_in_stripes_dashboard(order, 2000)
    item = _charge_refunded(sandbox_server, webhook_receiver, order, refund_id)
    assert item.event["data"]["object"]["metadata"]["mercato_order"] == str(order.pk)
    for attempt in range(2):  # delivered twice: stored once
        assert _post(client, item).status_code == 200
    stored = process_event(event_pk=StripeEvent.objects.get(event_id=item.event["id"]).pk)
    assert (stored.status, stored.error) == ("processed", "")
    handle_order_event(item.event)  # and a replay of the same event adds nothing
    with in_store(store_a):
        order.refresh_from_db()
        refund = order.refunds.get()
        assert (refund.stripe_refund_id, refund.amount, refund.actor, refund.restocked) == (
            refund_id, Decimal("20.00"), "Stripe", False
        )  # fmt: skip
        assert (order.status, order.refunded_total, order.refund_state) == (
            "paid", Decimal("20.00"), "partially_refunded"
        )  # fmt: skip
        assert order.events.filter(kind="refunded").get().message == f"$20.00 to the buyer (Stripe refund {refund_id})"
        assert OrderEmail.objects.filter(order=order, kind="refunded", reference=refund_id).count() == 1
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Partly refunded: $20.00 given back to your card." in page


def test_the_rest_refunded_in_stripe_makes_the_order_fully_refunded(client, store_a, sandbox_server, webhook_receiver):
    order = paid_order(client, store_a)
    with in_store(store_a):
        ours = refund_order(order=order, request_key="ours", amount=Decimal("13.90"), restock=False)
    ours_event = _charge_refunded(sandbox_server, webhook_receiver, order, ours.stripe_refund_id)
    handle_order_event(ours_event.event)  # our own refund's webhook: already recorded, matched by refund id
    with in_store(store_a):
        assert order.refunds.count() == 1
    theirs = _refund_in_stripes_dashboard(order, 10000)
    handle_order_event(_charge_refunded(sandbox_server, webhook_receiver, order, theirs).event)
    handle_order_event(ours_event.event)  # an old event, late: nothing new
    with in_store(store_a):
        order.refresh_from_db()
        assert sorted(order.refunds.values_list("stripe_refund_id", "amount")) == sorted(
            [(ours.stripe_refund_id, Decimal("13.90")), (theirs, Decimal("100.00"))]
        )
        assert (order.refunded_total, order.refund_state) == (Decimal("113.90"), "refunded")
        assert order.events.filter(kind="refunded").count() == 2
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Refunded in full: $113.90 given back to your card." in page


def test_a_refund_event_for_store_a_never_touches_store_b(client, store_a, store_b, sandbox_server, webhook_receiver):
    order_a = paid_order(client, store_a)
    order_b = paid_order(client, store_b)
    refund_id = _refund_in_stripes_dashboard(order_a, 500)
    event = _charge_refunded(sandbox_server, webhook_receiver, order_a, refund_id).event
    # Pointed at B's schema and B's order number, A's charge is still not B's order's payment.
    forged = copy.deepcopy(event)
    forged["data"]["object"]["metadata"] = {"mercato_order": str(order_b.pk), "mercato_schema": store_b.schema_name}
    handle_order_event(forged)
    with in_store(store_b):
        order_b.refresh_from_db()
        assert (order_b.refunded_total, order_b.refunds.count(), order_b.events.filter(kind="refunded").count()) == (
            0, 0, 0
        )  # fmt: skip
    handle_order_event(event)
    with in_store(store_a):
        assert Refund.objects.get().stripe_refund_id == refund_id
    with in_store(store_b):
        assert not Refund.objects.exists()
