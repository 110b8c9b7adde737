"""Refunds through Stripe: partial and full, optional restock, one refund per form, managers only."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.gateway import stripe_client
from storefront.orders.models import Order
from storefront.orders.payments import refund_order
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant, pay_on_stripe
from tests.storefront.orders.test_dashboard import paid_order


def test_a_partial_then_a_full_refund_with_restock(client, store_a):
    order = paid_order(client, store_a)  # 1 tent of 3 at $99 + $5 + 10 % tax = $113.90
    with in_store(store_a):
        first = refund_order(order=order, request_key="r1", amount=Decimal("50.00"), restock=False)
        assert (order.refunded_total, order.status) == (Decimal("50.00"), "paid")
        with pytest.raises(ValidationError) as too_much:
            refund_order(order=order, request_key="r2", amount=Decimal("63.91"), restock=False)
        assert too_much.value.message_dict == {"amount": ["Refund between 0 and 63.90."]}
        second = refund_order(order=order, request_key="r3", amount=None, restock=True)
        order.refresh_from_db()
        tent = order.lines.get().variant
        assert (order.refunded_total, second.amount, second.restocked, tent.stock) == (
            Decimal("113.90"), Decimal("63.90"), True, 3
        )  # fmt: skip
        assert list(order.events.values_list("kind", flat=True)) == [
            "placed", "payment_started", "paid", "refunded", "refunded"
        ]  # fmt: skip
    refunds = stripe_client().v1.refunds.list({"payment_intent": order.stripe_payment_intent}).data
    assert sorted(refund.amount for refund in refunds) == [5000, 6390]
    assert {refund.id for refund in refunds} == {first.stripe_refund_id, second.stripe_refund_id}


def test_the_same_refund_form_sent_twice_refunds_once(client, store_a):
    order = paid_order(client, store_a)
    with in_store(store_a):
        one = refund_order(order=order, request_key="same", amount=Decimal("10.00"), restock=False)
        two = refund_order(order=order, request_key="same", amount=Decimal("10.00"), restock=False)
        order.refresh_from_db()
        assert (one.pk, order.refunded_total) == (two.pk, Decimal("10.00"))
    assert len(stripe_client().v1.refunds.list({"payment_intent": order.stripe_payment_intent}).data) == 1


def test_an_unpaid_order_cannot_be_refunded(client, store_a):
    from tests.storefront.orders.test_payment import place

    order, _, _ = place(client, store_a)
    with in_store(store_a), pytest.raises(ValidationError):
        refund_order(order=order, request_key="x", amount=None, restock=False)


def test_refund_from_the_dashboard_needs_a_manager(client, store_a, owner_a):
    order = paid_order(client, store_a)
    staff = make_user("packer@alpha.test")
    add_member(store_a, staff, "staff")
    sign_in_on(client, staff, store_a)
    url = f"/dashboard/orders/{order.pk}/refund/"
    assert client.post(url, {"refund_key": "k1"}, HTTP_HOST=host_of(store_a)).status_code == 403
    sign_in_on(client, owner_a, store_a)
    detail = client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Refund through Stripe" in detail
    response = client.post(url, {"refund_key": "k1", "amount": "13.90", "restock": "on"}, HTTP_HOST=host_of(store_a))
    assert response["Location"] == f"/dashboard/orders/{order.pk}/"
    with in_store(store_a):
        order = Order.objects.get(pk=order.pk)
        assert order.refunded_total == Decimal("13.90")
        assert order.lines.get().variant.stock == 3
        assert order.refunds.get().actor == "owner@alpha.test"


def _two_paid_orders(store) -> tuple[Order, Order]:
    """Two buyers' paid orders of one $99 tent each ($113.90 with shipping and tax)."""
    from django.test import Client

    with in_store(store):
        tent = make_variant("Tent", "99.00", stock=5)
        _, flat = make_shipping(tax="10")
    orders = []
    for _buyer in range(2):
        buyer = Client()
        add(buyer, store, tent)
        response = buy(buyer, store, flat)
        pay_on_stripe(response["Location"])
        with in_store(store):
            order = Order.objects.order_by("-pk").first()
        buyer.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store))  # the return page asks Stripe
        with in_store(store):
            order.refresh_from_db()
        assert order.status == "paid"
        orders.append(order)
    return orders[0], orders[1]


def test_one_orders_refund_key_never_stands_in_for_anothers(store_a):
    first, second = _two_paid_orders(store_a)
    with in_store(store_a):
        refund_order(order=first, request_key="shared", amount=Decimal("1.00"), restock=False)
        with pytest.raises(ValidationError, match="expired"):
            refund_order(order=second, request_key="shared", amount=Decimal("5.00"), restock=False)
        second.refresh_from_db()
        assert second.refunded_total == Decimal("0") and not second.refunds.exists()
    assert not stripe_client().v1.refunds.list({"payment_intent": second.stripe_payment_intent}).data


def test_a_typed_in_refund_key_cannot_block_the_cancellation_of_another_order(client, store_a, owner_a):
    first, second = _two_paid_orders(store_a)
    sign_in_on(client, owner_a, store_a)
    # A hand-made form on the first order, carrying the key the second order's cancellation will use.
    client.post(
        f"/dashboard/orders/{first.pk}/refund/",
        {"amount": "1.00", "refund_key": f"cancel-order-{second.pk}"},
        HTTP_HOST=host_of(store_a),
    )
    client.post(f"/dashboard/orders/{second.pk}/cancel/", {}, HTTP_HOST=host_of(store_a))
    with in_store(store_a):
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.refunded_total == Decimal("1.00")
        assert (second.status, second.refunded_total) == ("cancelled", Decimal("113.90"))
    refunds = stripe_client().v1.refunds.list({"payment_intent": second.stripe_payment_intent}).data
    assert [refund.amount for refund in refunds] == [11390]
