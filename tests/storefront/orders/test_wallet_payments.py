"""A CNY order paid with Alipay or WeChat Pay through the sandbox's hosted Checkout, over HTTP: the session completes
unpaid, and only the asynchronous success event (through the real webhook endpoint) makes the order paid; a failed
wallet payment gives the stock back and tells the buyer."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests

from billing.gateway import stripe_client
from billing.models import StripeEvent
from billing.webhooks import process_event
from storefront.checkout.models import ShippingRate, ShippingZone
from storefront.orders.models import Order
from storefront.themes.models import StoreProfile
from storefront.themes.selectors import forget_store_profile
from tests.conftest import host_of
from tests.storefront.checkout.support import add, buy, in_store, make_variant
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import WAIT_TIMEOUT

CN_ADDRESS = {
    "email": "li.lei@example.cn",
    "name": "李雷",
    "line1": "天河路 385 号 1201 室",
    "city": "广州市",
    "district": "天河区",
    "region": "GD",
    "postal_code": "510620",
    "country": "CN",
    "phone": "138 0013 8000",
}


def sell_in_cny(store):
    """The store sells in CNY and ships to China: a ¥128.50 teacup (3 in stock), ¥12.00 shipping, no tax."""
    with in_store(store):
        StoreProfile.objects.filter(pk=1).update(currency="CNY")
        forget_store_profile()
        teacup = make_variant("手工陶瓷茶杯", "128.50", stock=3)
        zone = ShippingZone.objects.create(name="China", countries=["CN"], tax_rate=Decimal("0"))
        rate = ShippingRate.objects.create(zone=zone, name="SF Express", kind="flat", price=Decimal("12.00"))
    return teacup, rate


def place_cny_order(client, store):
    teacup, rate = sell_in_cny(store)
    add(client, store, teacup, 2)
    response = buy(client, store, rate, **CN_ADDRESS)
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_store(store):
        return Order.objects.get(), teacup, response["Location"]


def state(store, order, variant):
    with in_store(store):
        order.refresh_from_db()
        variant.refresh_from_db()
        return order.status, order.stock_state, variant.stock


def deliver(client, sandbox_server, webhook_receiver, session_id: str, event_type: str) -> None:
    """Send the sandbox's signed delivery of ``event_type`` about the session to Mercato's webhook endpoint, as
    Stripe would, and run the task that handles it."""
    sandbox_server.drain()
    item = next(
        item
        for item in webhook_receiver.received
        if item.path == WEBHOOK_PATH
        and item.event["type"] == event_type
        and item.event["data"]["object"].get("id") == session_id
    )
    response = client.post(
        "/billing/stripe/webhook/",
        data=item.body,
        content_type="application/json",
        HTTP_HOST="localhost",
        HTTP_STRIPE_SIGNATURE=item.headers["Stripe-Signature"],
    )
    assert response.status_code == 200, response.content
    process_event(event_pk=StripeEvent.objects.get(event_id=item.event["id"]).pk)


def choose_wallet(stripe_url: str, method: str) -> str:
    page = requests.get(stripe_url, timeout=WAIT_TIMEOUT)
    assert "Pay with Alipay" in page.text and "Pay with WeChat Pay" in page.text and "Card number" in page.text
    assert "¥269.00" in page.text  # 2 x 128.50 + 12.00, in fen on Stripe's side
    chosen = requests.post(stripe_url, data={"method": method}, allow_redirects=False, timeout=WAIT_TIMEOUT)
    assert chosen.status_code == 303
    base = f"{urlsplit(stripe_url).scheme}://{urlsplit(stripe_url).netloc}"
    return f"{base}{chosen.headers['Location']}"


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_a_cny_order_paid_by_wallet_is_paid_only_by_the_async_success_event(
    client, store_a, sandbox_server, webhook_receiver, method
):
    order, teacup, stripe_url = place_cny_order(client, store_a)
    assert (order.currency, order.total) == ("CNY", Decimal("269.00"))
    session = stripe_client().v1.checkout.sessions.retrieve(order.stripe_session_id)
    assert (session.currency, session.amount_total) == ("cny", 26900)
    assert session.payment_method_types == ["card", "alipay", "wechat_pay"]
    assert session.payment_method_options.wechat_pay.client == "web"

    wallet_url = choose_wallet(stripe_url, method)
    # Checkout completed, unpaid: the event arrives, the order keeps waiting with its stock held.
    deliver(client, sandbox_server, webhook_receiver, order.stripe_session_id, "checkout.session.completed")
    assert state(store_a, order, teacup) == ("pending_payment", "reserved", 1)
    waiting = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Awaiting payment." in waiting

    approved = requests.post(f"{wallet_url}/authorize", allow_redirects=False, timeout=WAIT_TIMEOUT)
    assert approved.status_code == 303
    assert urlsplit(approved.headers["Location"]).path == f"/orders/{order.token}/"
    deliver(
        client, sandbox_server, webhook_receiver, order.stripe_session_id, "checkout.session.async_payment_succeeded"
    )
    assert state(store_a, order, teacup) == ("paid", "committed", 1)
    with in_store(store_a):
        assert order.stripe_payment_intent.startswith("pi_")
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_started", "paid"]
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Thank you! Your payment was received." in page
    assert "¥269.00" in page


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_a_failed_wallet_payment_releases_the_stock_and_tells_the_buyer(
    client, store_a, sandbox_server, webhook_receiver, method
):
    order, teacup, stripe_url = place_cny_order(client, store_a)
    wallet_url = choose_wallet(stripe_url, method)
    failed = requests.post(f"{wallet_url}/fail", allow_redirects=False, timeout=WAIT_TIMEOUT)
    assert failed.status_code == 303
    deliver(client, sandbox_server, webhook_receiver, order.stripe_session_id, "checkout.session.completed")
    assert state(store_a, order, teacup) == ("pending_payment", "reserved", 1)
    deliver(client, sandbox_server, webhook_receiver, order.stripe_session_id, "checkout.session.async_payment_failed")
    assert state(store_a, order, teacup) == ("cancelled", "released", 3)
    name = {"alipay": "Alipay", "wechat_pay": "WeChat Pay"}[method]
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert f"Your {name} payment didn&#x27;t go through, so this order was cancelled and nothing was charged." in page
    with in_store(store_a):
        assert order.events.filter(kind="released", message=f"Stripe: the {name} payment failed.").count() == 1
        # The cart is kept, so the buyer can pay another way.
        assert order.cart is not None and order.cart.lines.count() == 1
