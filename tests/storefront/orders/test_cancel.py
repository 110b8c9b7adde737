"""The store cancelling an order: unpaid (reservation released) or paid and unsent (refunded in full), once."""

from decimal import Decimal

from billing.gateway import stripe_client
from storefront.orders.emails import drain_order_emails
from storefront.orders.models import OrderEmail
from storefront.orders.services import fulfil_order
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_dashboard import paid_order
from tests.storefront.orders.test_payment import place, state


def _cancel(client, store, order, **data):
    return client.post(f"/dashboard/orders/{order.pk}/cancel/", data, HTTP_HOST=host_of(store))


def test_cancelling_an_unpaid_order_releases_its_reservation_once(client, store_a, owner_a):
    order, tent, _ = place(client, store_a)
    sign_in_on(client, owner_a, store_a)
    detail = client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Cancel order" in detail and "Gives the reserved stock back" in detail
    for attempt in range(2):  # a double submit
        response = _cancel(client, store_a, order)
        assert response["Location"] == f"/dashboard/orders/{order.pk}/"
    assert state(store_a, order, tent) == ("cancelled", "released", 3)
    with in_store(store_a):
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "released"]
        assert order.events.get(kind="released").message == "Cancelled by owner@alpha.test before payment."
        assert not OrderEmail.objects.filter(order=order).exclude(kind="confirmation").exists()
    # The buyer can no longer pay on Stripe's page for the cancelled order.
    assert stripe_client().v1.checkout.sessions.retrieve(order.stripe_session_id).status == "expired"


def test_cancelling_a_paid_order_refunds_it_in_full_restocks_and_emails_once(client, store_a, owner_a, mailoutbox):
    order = paid_order(client, store_a)  # 1 tent of 3, $113.90
    sign_in_on(client, owner_a, store_a)
    for attempt in range(2):
        response = _cancel(client, store_a, order, restock="on")
        assert response["Location"] == f"/dashboard/orders/{order.pk}/"
    with in_store(store_a):
        order.refresh_from_db()
        tent = order.lines.get().variant
        assert (order.status, order.stock_state, order.refunded_total, tent.stock) == (
            "cancelled", "released", Decimal("113.90"), 3
        )  # fmt: skip
        assert order.cancelled_at is not None and order.refund_state == "refunded"
        assert list(order.events.values_list("kind", flat=True)) == [
            "placed", "payment_started", "paid", "refunded", "cancelled"
        ]  # fmt: skip
        assert order.events.get(kind="cancelled").message == "by owner@alpha.test, 1 unit back in stock"
        refund = order.refunds.get()
        assert (refund.amount, refund.actor, refund.request_key) == (
            Decimal("113.90"), "owner@alpha.test", f"cancel-order-{order.pk}"
        )  # fmt: skip
        # One email tells of the cancellation and the money; no separate refund email.
        assert sorted(OrderEmail.objects.filter(order=order, to=order.email).values_list("kind", flat=True)) == [
            "cancelled", "confirmation"
        ]  # fmt: skip
        drain_order_emails()
    stripe_refunds = stripe_client().v1.refunds.list({"payment_intent": order.stripe_payment_intent}).data
    assert [(item.id, item.amount) for item in stripe_refunds] == [(refund.stripe_refund_id, 11390)]
    cancelled = next(message for message in mailoutbox if "cancelled" in message.subject)
    assert cancelled.subject == f"Alpha Outfitters: order #{order.pk} cancelled"
    assert "We refunded 113.90 USD to the card you paid with." in cancelled.body
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "This order was cancelled." in page and "Refunded in full" in page


def test_cancelling_after_a_partial_refund_gives_back_the_rest_without_restocking(client, store_a, owner_a):
    from storefront.orders.payments import refund_order

    order = paid_order(client, store_a)
    with in_store(store_a):
        refund_order(order=order, request_key="part", amount=Decimal("13.90"), restock=False)
    sign_in_on(client, owner_a, store_a)
    _cancel(client, store_a, order)
    with in_store(store_a):
        order.refresh_from_db()
        assert (order.status, order.stock_state, order.refunded_total) == ("cancelled", "committed", Decimal("113.90"))
        assert sorted(order.refunds.values_list("amount", flat=True)) == [Decimal("13.90"), Decimal("100.00")]
        assert order.lines.get().variant.stock == 2


def test_a_sent_order_is_not_cancelled(client, store_a, owner_a):
    order = paid_order(client, store_a)
    with in_store(store_a):
        fulfil_order(order=order, carrier="UPS", tracking_number="1Z")
    sign_in_on(client, owner_a, store_a)
    response = _cancel(client, store_a, order, restock="on")
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_HOST=host_of(store_a)).content.decode()
    assert "A sent order cannot be cancelled; refund it or accept a return instead." in page
    with in_store(store_a):
        order.refresh_from_db()
        assert (order.status, order.refunded_total, order.refunds.count()) == ("fulfilled", 0, 0)


def test_only_this_stores_managers_can_cancel(client, store_a, store_b, owner_a):
    order = paid_order(client, store_a)
    staff = make_user("packer@alpha.test")
    add_member(store_a, staff, "staff")
    sign_in_on(client, staff, store_a)
    assert _cancel(client, store_a, order).status_code == 403
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    assert _cancel(client, store_b, order).status_code == 404
    sign_in_on(client, owner_a, store_b)  # A's owner on B's host is nobody there
    assert _cancel(client, store_b, order).status_code == 403
    with in_store(store_a):
        order.refresh_from_db()
        assert (order.status, order.refunded_total) == ("paid", 0)
    assert stripe_client().v1.refunds.list({"payment_intent": order.stripe_payment_intent}).data == []


def test_a_replayed_payment_after_a_paid_order_was_cancelled_asks_nobody_to_refund(client, store_a, owner_a):
    from storefront.orders.payments import confirm_order_payment

    order = paid_order(client, store_a)
    sign_in_on(client, owner_a, store_a)
    _cancel(client, store_a, order)
    with in_store(store_a):
        order.refresh_from_db()
        confirm_order_payment(order=order)  # Stripe still says the session is paid, as a replayed webhook would
        assert order.status == "cancelled"
        assert not order.events.filter(kind="note").exists()  # the cancellation already refunded it
