"""Returns: the buyer asks from the order page, the store accepts (refund, restock) or refuses, all on the timeline."""

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from billing.gateway import stripe_client
from storefront.orders.emails import drain_order_emails
from storefront.orders.models import Order, OrderEmail, ReturnRequest, Shipment
from storefront.orders.services import fulfil_order
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store, pay_on_stripe
from tests.storefront.orders.test_email_outbox import make_order
from tests.storefront.orders.test_payment import place


def sent_order(client, store, *, quantity: int = 2) -> Order:
    """A paid and sent order of ``quantity`` tents at $99 (3 in stock before)."""
    order, _, stripe_url = place(client, store, quantity=quantity)
    pay_on_stripe(stripe_url)
    client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store))
    with in_store(store):
        return fulfil_order(order=order, carrier="UPS", tracking_number="1Z999")


def _ask(client, store, order, *, key: str = "ret-1", reason: str = "Too small", **quantities):
    data = {"return_key": key, "reason": reason, **{f"quantity-{line}": value for line, value in quantities.items()}}
    return client.post(f"/orders/{order.token}/returns/", data, HTTP_HOST=host_of(store))


def _line(store, order):
    with in_store(store):
        return order.lines.get()


def _nothing_written(store, order) -> None:
    with in_store(store):
        assert not ReturnRequest.objects.filter(order=order).exists()
        assert not order.events.filter(kind="return_requested").exists()
        assert not OrderEmail.objects.filter(order=order, kind="return_requested").exists()


def test_the_buyer_asks_to_return_one_unit_once_even_when_sending_twice(client, store_a, mailoutbox):
    order = sent_order(client, store_a)
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    line = _line(store_a, order)
    assert f'name="quantity-{line.pk}" min="0" max="2"' in page and "Request a return" in page
    key = re.search(r'name="return_key" value="([^"]+)"', page).group(1)
    for attempt in range(2):
        response = _ask(client, store_a, order, key=key, **{str(line.pk): "1"})
        assert response["Location"] == f"/orders/{order.token}/#returns"
    with in_store(store_a):
        request = ReturnRequest.objects.get(order=order)
        assert (request.status, request.reason, [(item.order_line_id, item.quantity) for item in request.lines.all()]) == (
            "requested", "Too small", [(line.pk, 1)]
        )  # fmt: skip
        assert order.events.get(kind="return_requested").message == f"return {request.pk}: 1 x {line.sku}; Too small"
        assert drain_order_emails() >= 1
    asked = next(message for message in mailoutbox if "return request" in message.subject)
    assert asked.subject == f"Alpha Outfitters: return request for order #{order.pk} received"
    assert "1 x Tent" in asked.body
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Return of 1 \N{MULTIPLICATION SIGN} Tent: <strong>Awaiting the store&#x27;s answer</strong>" in page
    assert f'name="quantity-{line.pk}" min="0" max="1"' in page  # one unit is left to ask for


def test_bad_return_forms_get_a_clear_4xx_and_write_nothing(client, store_a):
    order = sent_order(client, store_a)
    line = _line(store_a, order)
    cases = [
        ({str(line.pk): "3"}, "Too small", "You can return at most 2 of Tent."),
        ({str(line.pk): "abc"}, "Too small", "Give each quantity as a whole number."),
        ({str(line.pk): "-1"}, "Too small", "Give each quantity as a whole number."),
        ({str(line.pk): "0"}, "Too small", "Choose at least one item to return."),
        ({str(line.pk + 999): "1"}, "Too small", "That item is not part of this order."),
        ({str(line.pk): "1"}, "   ", "Tell the store why you are returning these items."),
        ({str(line.pk): "1"}, "x" * 1001, "Keep the reason under 1000 characters."),
    ]
    for quantities, reason, message in cases:
        response = _ask(client, store_a, order, reason=reason, **quantities)
        assert response.status_code == 400, message
        assert message in response.content.decode()
    assert _ask(client, store_a, order, key="", **{str(line.pk): "1"}).status_code == 400
    _nothing_written(store_a, order)


def test_no_second_request_for_the_same_units(client, store_a):
    order = sent_order(client, store_a)
    line = _line(store_a, order)
    assert _ask(client, store_a, order, key="first", **{str(line.pk): "2"}).status_code == 302
    again = _ask(client, store_a, order, key="second", **{str(line.pk): "1"})
    assert again.status_code == 400
    assert "Every unit of Tent was already asked back." in again.content.decode()
    with in_store(store_a):
        assert ReturnRequest.objects.filter(order=order).count() == 1


def test_returns_only_for_sent_orders_within_the_window(client, store_a, settings):
    order, _, stripe_url = place(client, store_a)
    pay_on_stripe(stripe_url)
    client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a))
    line = _line(store_a, order)
    unsent = _ask(client, store_a, order, **{str(line.pk): "1"})
    assert unsent.status_code == 409
    assert "Only an order that was sent can be returned." in unsent.content.decode()
    with in_store(store_a):
        fulfil_order(order=order, carrier="UPS", tracking_number="1Z")
        # The window runs from the parcel's sending (it was not marked delivered).
        Shipment.objects.filter(order=order).update(created_at=timezone.now() - timedelta(days=31))
    late = _ask(client, store_a, order, **{str(line.pk): "1"})
    assert late.status_code == 409
    assert "Returns are accepted within 30 days of shipping" in late.content.decode()
    assert "Request a return" not in client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    settings.ORDER_RETURN_WINDOW_DAYS = 45  # the store's platform allows longer
    assert _ask(client, store_a, order, key="later", **{str(line.pk): "1"}).status_code == 302
    with in_store(store_a):
        assert ReturnRequest.objects.filter(order=order).count() == 1


def test_the_store_accepts_a_return_with_refund_and_restock_once(client, store_a, owner_a, mailoutbox):
    order = sent_order(client, store_a)  # 2 tents, stock 1 left
    line = _line(store_a, order)
    _ask(client, store_a, order, **{str(line.pk): "1"})
    with in_store(store_a):
        request = ReturnRequest.objects.get(order=order)
    sign_in_on(client, owner_a, store_a)
    detail = client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert f"/dashboard/orders/{order.pk}/returns/{request.pk}/accept/" in detail and "Reason: Too small" in detail
    url = f"/dashboard/orders/{order.pk}/returns/{request.pk}/accept/"
    for attempt in range(2):
        response = client.post(url, {"refund": "on", "restock": "on"}, HTTP_HOST=host_of(store_a))
        assert response["Location"] == f"/dashboard/orders/{order.pk}/#returns"
    with in_store(store_a):
        request.refresh_from_db()
        order.refresh_from_db()
        # One tent's price and the 10% tax charged on it (99.00 + 9.90); the shipping stays with the order.
        assert (request.status, request.refund.amount, request.restocked, request.decided_by) == (
            "accepted", Decimal("108.90"), True, "owner@alpha.test"
        )  # fmt: skip
        assert (order.status, order.refunded_total, line.variant.__class__.objects.get(pk=line.variant_id).stock) == (
            "fulfilled", Decimal("108.90"), 2
        )  # fmt: skip
        assert order.events.get(kind="return_accepted").message == (
            f"return {request.pk} by owner@alpha.test, refunded 108.90 USD, 1 unit back in stock"
        )
        assert order.refunds.count() == 1
        # The accepted-return email tells of the money; no separate refund email.
        assert not OrderEmail.objects.filter(order=order, kind="refunded").exists()
        drain_order_emails()
    assert len(stripe_client().v1.refunds.list({"payment_intent": order.stripe_payment_intent}).data) == 1
    accepted = next(message for message in mailoutbox if "accepted" in message.subject)
    assert accepted.subject == f"Alpha Outfitters: your return for order #{order.pk} was accepted"
    assert "We refunded 108.90 USD to the card you paid with." in accepted.body
    # Refusing an accepted return is refused, and changes nothing.
    refused = client.post(
        f"/dashboard/orders/{order.pk}/returns/{request.pk}/refuse/", {"note": "no"}, HTTP_HOST=host_of(store_a)
    )
    assert (
        "This return was already accepted."
        in client.get(refused["Location"], HTTP_HOST=host_of(store_a)).content.decode()
    )
    with in_store(store_a):
        request.refresh_from_db()
        assert request.status == "accepted"


def test_a_full_restock_after_a_returned_unit_restocks_only_the_rest(client, store_a):
    from storefront.orders import returns
    from storefront.orders.payments import refund_order

    order = sent_order(client, store_a)  # 2 tents: stock 3 -> 1
    line = _line(store_a, order)
    _ask(client, store_a, order, **{str(line.pk): "1"})
    with in_store(store_a):
        request = ReturnRequest.objects.get(order=order)
        returns.accept_return(order=order, return_id=request.pk, refund=False, restock=True, actor="x")
        refund_order(order=order, request_key="all", amount=None, restock=True)
        line.refresh_from_db()
        assert (line.variant.__class__.objects.get(pk=line.variant_id).stock, line.restocked_quantity) == (3, 2)


def test_the_store_refuses_with_a_note_and_the_units_can_be_asked_again(client, store_a, mailoutbox):
    order = sent_order(client, store_a)
    line = _line(store_a, order)
    _ask(client, store_a, order, **{str(line.pk): "2"})
    with in_store(store_a):
        request = ReturnRequest.objects.get(order=order)
    staff = make_user("packer@alpha.test")
    add_member(store_a, staff, "staff")
    sign_in_on(client, staff, store_a)
    url = f"/dashboard/orders/{order.pk}/returns/{request.pk}/"
    assert client.post(url + "accept/", {"refund": "on"}, HTTP_HOST=host_of(store_a)).status_code == 403
    empty = client.post(url + "refuse/", {"note": "  "}, HTTP_HOST=host_of(store_a))
    assert (
        "Tell the buyer why the return is refused."
        in client.get(empty["Location"], HTTP_HOST=host_of(store_a)).content.decode()
    )
    with in_store(store_a):
        request.refresh_from_db()
        assert request.status == "requested"
    client.post(url + "refuse/", {"note": "Worn outdoors"}, HTTP_HOST=host_of(store_a))
    with in_store(store_a):
        request.refresh_from_db()
        assert (request.status, request.seller_note, request.decided_by) == (
            "refused",
            "Worn outdoors",
            "packer@alpha.test",
        )
        assert (
            order.events.get(kind="return_refused").message
            == f"return {request.pk} by packer@alpha.test: Worn outdoors"
        )
        assert order.refunds.count() == 0
        drain_order_emails()
    refused = next(message for message in mailoutbox if "refused" in message.subject)
    assert "Their note: Worn outdoors" in refused.body
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Refused</strong> — “Worn outdoors”" in page
    assert _ask(client, store_a, order, key="again", **{str(line.pk): "2"}).status_code == 302


def test_store_b_cannot_see_or_answer_store_a_returns(client, store_a, store_b, owner_a):
    order = sent_order(client, store_a)
    line = _line(store_a, order)
    _ask(client, store_a, order, **{str(line.pk): "1"})
    with in_store(store_a):
        request = ReturnRequest.objects.get(order=order)
    # A's secret order link means nothing on B's host.
    assert _ask(client, store_b, order, key="on-b", **{str(line.pk): "1"}).status_code == 404
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    base = f"/dashboard/orders/{order.pk}/returns/{request.pk}/"
    assert client.post(base + "accept/", {"refund": "on"}, HTTP_HOST=host_of(store_b)).status_code == 404
    assert client.post(base + "refuse/", {"note": "x"}, HTTP_HOST=host_of(store_b)).status_code == 404
    # In A, a return id of another order, or not a number, is not found either.
    with in_store(store_a):
        other = make_order("other@example.com", status="fulfilled", stock_state="committed")
    sign_in_on(client, owner_a, store_a)
    assert client.post(
        f"/dashboard/orders/{other.pk}/returns/{request.pk}/accept/", {"refund": "on"}, HTTP_HOST=host_of(store_a)
    ).status_code == 404  # fmt: skip
    assert client.post(
        f"/dashboard/orders/{order.pk}/returns/abc/refuse/", {"note": "x"}, HTTP_HOST=host_of(store_a)
    ).status_code == 404  # fmt: skip
    with in_store(store_a):
        request.refresh_from_db()
        assert (request.status, order.refunds.count()) == ("requested", 0)
    with in_store(store_b):
        assert not ReturnRequest.objects.exists()
