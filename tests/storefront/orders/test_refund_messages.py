"""What the seller reads after giving money back: the flash message and the order's timeline say how much, written
in the order's currency as the store shows prices ($13.90, not "refunded")."""

import re
from decimal import Decimal

from storefront.orders.models import Order
from storefront.orders.payments import refund_order
from tests.conftest import host_of, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_dashboard import paid_order


def _flash(page: str) -> list[str]:
    return re.findall(r'<p class="flash success" role="status">([^<]*)</p>', page)


def test_a_partial_refund_says_how_much_in_the_flash_and_the_timeline(client, store_a, owner_a):
    order = paid_order(client, store_a)  # $113.90
    sign_in_on(client, owner_a, store_a)
    response = client.post(
        f"/dashboard/orders/{order.pk}/refund/",
        {"refund_key": "partial", "amount": "13.90"},
        HTTP_HOST=host_of(store_a),
        follow=True,
    )
    page = response.content.decode()
    assert _flash(page) == [f"Refunded $13.90 of order #{order.pk}."]
    with in_store(store_a):
        refund = Order.objects.get(pk=order.pk).refunds.get()
    assert f"Refunded: $13.90 to the buyer (Stripe refund {refund.stripe_refund_id})" in page


def test_a_refund_of_what_is_left_names_the_amount_left(client, store_a, owner_a):
    order = paid_order(client, store_a)
    sign_in_on(client, owner_a, store_a)
    first = client.post(
        f"/dashboard/orders/{order.pk}/refund/",
        {"refund_key": "a", "amount": "100"},
        HTTP_HOST=host_of(store_a),
        follow=True,
    )
    assert _flash(first.content.decode()) == [f"Refunded $100.00 of order #{order.pk}."]
    response = client.post(
        f"/dashboard/orders/{order.pk}/refund/", {"refund_key": "b"}, HTTP_HOST=host_of(store_a), follow=True
    )
    assert _flash(response.content.decode()) == [f"Refunded $13.90 of order #{order.pk}."]


def test_cancelling_a_paid_order_says_what_went_back_to_the_buyer(client, store_a, owner_a):
    order = paid_order(client, store_a)
    sign_in_on(client, owner_a, store_a)
    response = client.post(f"/dashboard/orders/{order.pk}/cancel/", {}, HTTP_HOST=host_of(store_a), follow=True)
    assert _flash(response.content.decode()) == [f"Order #{order.pk} is cancelled; $113.90 refunded to the buyer."]


def test_the_amount_is_written_in_the_orders_currency(client, store_a, owner_a):
    order = paid_order(client, store_a)
    with in_store(store_a):
        # An order taken in euros (the store changed currency since): the refund is written in euros.
        Order.objects.filter(pk=order.pk).update(currency="EUR")
    with in_store(store_a):
        refund_order(order=Order.objects.get(pk=order.pk), request_key="eur", amount=Decimal("1.50"), restock=False)
        event = Order.objects.get(pk=order.pk).events.get(kind="refunded")
    assert event.message.startswith("€1.50 to the buyer (Stripe refund ")


def test_accepting_a_return_with_a_refund_says_how_much(client, store_a, owner_a):
    from storefront.orders.models import ReturnRequest
    from tests.storefront.orders.test_returns import _ask, _line, sent_order

    order = sent_order(client, store_a)
    _ask(client, store_a, order, **{str(_line(store_a, order).pk): "1"})
    with in_store(store_a):
        request = ReturnRequest.objects.get(order=order)
    sign_in_on(client, owner_a, store_a)
    response = client.post(
        f"/dashboard/orders/{order.pk}/returns/{request.pk}/accept/",
        {"refund": "on"},
        HTTP_HOST=host_of(store_a),
        follow=True,
    )
    # One tent and the tax on it.
    assert _flash(response.content.decode()) == ["The return is accepted; $108.90 refunded to the buyer."]
