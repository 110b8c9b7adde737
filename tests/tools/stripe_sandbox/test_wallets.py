"""Alipay and WeChat Pay in Checkout: the hosted page offers what the session allows, a wallet page answers
success or failure, and the webhooks arrive in Stripe's order (completed unpaid, then the asynchronous outcome)."""

import pytest
import requests
import stripe

from tests.stripe_sandbox import WEBHOOK_SECRET
from tests.support import WAIT_TIMEOUT

SUCCESS = "https://mercato.test/orders/abc/?session_id={CHECKOUT_SESSION_ID}"
WALLETS = {
    "allowed_payment_method_types": ["card", "alipay", "wechat_pay"],
    "payment_method_options": {"wechat_pay": {"client": "web"}},
}


def one_line(currency: str, amount: int) -> list[dict]:
    return [{"quantity": 1, "price_data": {"currency": currency, "unit_amount": amount, "product_data": {"name": "x"}}}]


def cny_session(client, **extra):
    return client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {"currency": "cny", "unit_amount": 12850, "product_data": {"name": "茶杯"}},
                }
            ],
            "customer_email": "buyer@example.cn",
            "success_url": SUCCESS,
            "metadata": {"order": "9"},
            **WALLETS,
            **extra,
        }
    )


def choose(session, method: str) -> requests.Response:
    return requests.post(
        session.url, data={"method": method, "email": "buyer@example.cn"}, allow_redirects=False, timeout=WAIT_TIMEOUT
    )


def answer(sandbox, session, method: str, verdict: str) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/c/pay/{session.id}/{method}/{verdict}", allow_redirects=False, timeout=WAIT_TIMEOUT
    )


def test_the_hosted_page_offers_the_wallets_the_session_allows(client):
    session = cny_session(client)
    assert session.payment_method_types == ["card", "alipay", "wechat_pay"]
    assert session.payment_method_options.wechat_pay.client == "web"
    page = requests.get(session.url, timeout=WAIT_TIMEOUT).text
    assert "Pay with Alipay" in page and "Pay with WeChat Pay" in page
    assert "Card number" in page
    assert "¥128.50" in page

    cards_only = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": one_line("cny", 500),
            "success_url": SUCCESS,
        }
    )
    assert cards_only.payment_method_types == ["card"]
    plain = requests.get(cards_only.url, timeout=WAIT_TIMEOUT).text
    assert "Alipay" not in plain and "WeChat" not in plain
    # A wallet the session does not allow can't be chosen by posting its name.
    refused = choose(cards_only, "alipay")
    assert refused.status_code == 402 and "not available" in refused.text
    assert client.v1.checkout.sessions.retrieve(cards_only.id).status == "open"


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_an_approved_wallet_payment_completes_unpaid_then_succeeds(client, sandbox, webhook_receiver, method):
    session = cny_session(client)
    chosen = choose(session, method)
    assert chosen.status_code == 303 and chosen.headers["Location"] == f"/c/pay/{session.id}/{method}"
    wallet_page = requests.get(f"{sandbox.url}{chosen.headers['Location']}", timeout=WAIT_TIMEOUT)
    assert "Authorize test payment" in wallet_page.text and "Fail test payment" in wallet_page.text
    # The session is complete but unpaid until the wallet answers, and says so in its first event.
    waiting = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert (waiting.status, waiting.payment_status, waiting.payment_intent.status) == (
        "complete",
        "unpaid",
        "requires_action",
    )
    sandbox.drain()
    assert webhook_receiver.types_for(session.id) == ["checkout.session.completed"]
    # Its checkout page now sends the buyer to the wallet's page.
    assert requests.get(session.url, allow_redirects=False, timeout=WAIT_TIMEOUT).status_code == 303

    done = answer(sandbox, session, method, "authorize")
    assert done.status_code == 303
    assert done.headers["Location"] == f"https://mercato.test/orders/abc/?session_id={session.id}"

    paid = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert (paid.payment_intent.status, paid.payment_intent.amount_received) == ("succeeded", 12850)
    method_obj = client.v1.payment_methods.retrieve(paid.payment_intent.payment_method)
    assert method_obj.type == method
    charge = client.v1.charges.list({"payment_intent": paid.payment_intent.id}).data[0]
    assert (charge.status, charge.payment_method_details.type, charge.currency) == ("succeeded", method, "cny")

    sandbox.drain()
    assert webhook_receiver.types_for(session.id) == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]
    deliveries = [item for item in webhook_receiver.received if item.event["data"]["object"].get("id") == session.id]
    events = [stripe.Webhook.construct_event(d.body, d.headers["Stripe-Signature"], WEBHOOK_SECRET) for d in deliveries]
    assert [event.data.object.payment_status for event in events] == ["unpaid", "paid"]
    assert all(event.data.object.metadata["order"] == "9" for event in events)


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_a_failed_wallet_payment_completes_unpaid_then_fails(client, sandbox, webhook_receiver, method):
    session = cny_session(client)
    choose(session, method)
    done = answer(sandbox, session, method, "fail")
    assert done.status_code == 303

    failed = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert (failed.status, failed.payment_status) == ("complete", "unpaid")
    assert failed.payment_intent.status == "requires_payment_method"
    assert failed.payment_intent.last_payment_error.payment_method_type == method
    sandbox.drain()
    assert webhook_receiver.types_for(session.id) == [
        "checkout.session.completed",
        "checkout.session.async_payment_failed",
    ]
    # The wallet has answered: approving afterwards changes nothing.
    assert answer(sandbox, session, method, "authorize").status_code == 200
    assert "did not go through" in requests.get(session.url, timeout=WAIT_TIMEOUT).text
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"


def test_the_allowed_list_keeps_what_the_currency_takes_and_the_old_parameter_is_gone(client):
    # Alipay is not presented in CHF, WeChat Pay is: the session keeps cards and WeChat Pay.
    chf = client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": one_line("chf", 500), "success_url": SUCCESS, **WALLETS}
    )
    assert chf.payment_method_types == ["card", "wechat_pay"]
    with pytest.raises(stripe.InvalidRequestError, match=r"payment_method_options\[wechat_pay\]\[client\]"):
        cny_session(client, payment_method_options={})
    with pytest.raises(stripe.InvalidRequestError, match="not in allowed_payment_method_types"):
        cny_session(client, allowed_payment_method_types=["card"])
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: payment_method_types"):
        client.v1.checkout.sessions.create(
            {"mode": "payment", "line_items": one_line("cny", 500), "payment_method_types": ["alipay"]}
        )
