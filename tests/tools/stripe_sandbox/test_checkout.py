"""Checkout Sessions and the hosted pages, driven with plain form posts the way a browser submits them."""

import re

import pytest
import requests
import stripe

from tests.support import WAIT_TIMEOUT

SUCCESS = "https://mercato.test/checkout/done?session={CHECKOUT_SESSION_ID}"
CANCEL = "https://mercato.test/cart"


def pay(url: str, card: str, *, email: str = "shopper@example.com") -> requests.Response:
    return requests.post(
        url,
        data={"email": email, "card_number": card, "card_expiry": "12 / 34", "card_cvc": "123", "name": "Sam Shopper"},
        allow_redirects=False,
        timeout=WAIT_TIMEOUT,
    )


def catalog(client) -> tuple[str, str, str]:
    """A mug (one-time $18.00), a monthly $12.00 subscription and a $5.00 one-time setup fee."""
    mug = client.v1.prices.create({"currency": "usd", "unit_amount": 1800, "product_data": {"name": "Stoneware mug"}})
    monthly = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1200, "recurring": {"interval": "month"}, "product_data": {"name": "Pro"}}
    )
    setup = client.v1.prices.create({"currency": "usd", "unit_amount": 500, "product_data": {"name": "Setup"}})
    return mug.id, monthly.id, setup.id


def test_a_payment_session_is_paid_on_the_hosted_page_and_redirects_to_success_url(client, sandbox, webhook_receiver):
    mug, _, _ = catalog(client)
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [{"price": mug, "quantity": 2}],
            "success_url": SUCCESS,
            "cancel_url": CANCEL,
            "client_reference_id": "cart-17",
            "metadata": {"order": "17"},
        }
    )
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status, session.amount_total, session.currency) == (
        "open",
        "unpaid",
        3600,
        "usd",
    )
    assert session.url == f"{sandbox.url}/c/pay/{session.id}"
    assert session.payment_intent is None
    assert abs(session.expires_at - session.created - 86400) <= 1

    page = requests.get(session.url, timeout=WAIT_TIMEOUT)
    assert page.status_code == 200
    assert "Pay $36.00" in page.text
    assert f'href="{CANCEL}"' in page.text

    done = pay(session.url, "4242 4242 4242 4242")
    assert done.status_code == 303
    assert done.headers["Location"] == f"https://mercato.test/checkout/done?session={session.id}"

    paid = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent", "line_items"]})
    assert (paid.status, paid.payment_status, paid.url) == ("complete", "paid", None)
    assert (paid.payment_intent.status, paid.payment_intent.amount_received) == ("succeeded", 3600)
    assert paid.payment_intent.customer is None
    assert (paid.customer_details.email, paid.customer_details.name) == ("shopper@example.com", "Sam Shopper")
    assert [(item.description, item.quantity, item.amount_total, item.price.id) for item in paid.line_items.data] == [
        ("Stoneware mug", 2, 3600, mug)
    ]
    assert client.v1.checkout.sessions.line_items.list(session.id).data[0].amount_subtotal == 3600

    sandbox.drain()
    completed = [event for event in webhook_receiver.events() if event["type"] == "checkout.session.completed"]
    assert len(completed) == 1
    assert completed[0]["data"]["object"]["client_reference_id"] == "cart-17"
    assert completed[0]["data"]["object"]["metadata"] == {"order": "17"}
    assert completed[0]["data"]["object"]["payment_intent"] == paid.payment_intent.id


def test_a_declined_card_shows_the_error_and_the_session_stays_open(client):
    mug, _, _ = catalog(client)
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [{"price": mug, "quantity": 1}],
            "success_url": SUCCESS,
            "customer_creation": "always",
        }
    )
    declined = pay(session.url, "4000000000000002")
    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert client.v1.customers.list().data == []

    wrong_number = pay(session.url, "4242424242424241")
    assert "Your card number is incorrect." in wrong_number.text

    assert pay(session.url, "4242424242424242").status_code == 303
    paid = client.v1.checkout.sessions.retrieve(session.id)
    intent = client.v1.payment_intents.retrieve(paid.payment_intent)
    assert intent.status == "succeeded"
    assert [customer.id for customer in client.v1.customers.list().data] == [paid.customer]
    assert intent.customer == paid.customer
    # The decline and the success are two charges on the same PaymentIntent, as on Stripe.
    assert [charge.status for charge in client.v1.charges.list({"payment_intent": intent.id}).data] == [
        "succeeded",
        "failed",
    ]


def test_cancel_goes_back_to_cancel_url_and_an_open_session_can_be_expired(client, sandbox, webhook_receiver):
    mug, _, _ = catalog(client)
    session = client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": [{"price": mug, "quantity": 1}], "success_url": SUCCESS, "cancel_url": CANCEL}
    )
    page = requests.get(session.url, timeout=WAIT_TIMEOUT)
    assert re.search(r'<a class="back" href="https://mercato.test/cart">', page.text)
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert requests.get(session.url, timeout=WAIT_TIMEOUT).status_code == 410
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    sandbox.drain()
    assert webhook_receiver.types_for(session.id) == ["checkout.session.expired"]


def test_an_unpaid_session_expires_when_the_clock_passes_expires_at(client, sandbox):
    mug, _, _ = catalog(client)
    session = client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": [{"price": mug, "quantity": 1}], "expires_at": sandbox.now() + 3600}
    )
    sandbox.advance(seconds=3601)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"


def test_a_subscription_session_with_a_trial_creates_a_trialing_subscription(client, sandbox, webhook_receiver):
    _, monthly, setup = catalog(client)
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly, "quantity": 1}, {"price": setup, "quantity": 1}],
            "subscription_data": {"trial_period_days": 14, "metadata": {"store": "alpha"}},
            "success_url": SUCCESS,
            "cancel_url": CANCEL,
        }
    )
    assert session.amount_total == 500
    page = requests.get(session.url, timeout=WAIT_TIMEOUT)
    assert "Start your 14-day free trial" in page.text
    assert pay(session.url, "4242424242424242", email="owner@alpha.test").status_code == 303

    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["subscription", "invoice"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    sub = done.subscription
    assert (sub.status, sub.customer, sub.metadata.to_dict()) == ("trialing", done.customer, {"store": "alpha"})
    assert sub.trial_end - sub.trial_start == 14 * 86400
    assert sub["items"].data[0].current_period_end == sub.trial_end
    assert sub.default_payment_method is not None
    assert (done.invoice.billing_reason, done.invoice.status, done.invoice.amount_paid) == (
        "subscription_create",
        "paid",
        500,
    )
    assert [line.description for line in done.invoice.lines.data] == ["Trial period for Pro", "Setup"]
    customer = client.v1.customers.retrieve(done.customer)
    assert customer.email == "owner@alpha.test"

    sandbox.drain()
    assert webhook_receiver.types_for(sub.id) == ["customer.subscription.created"]
    assert webhook_receiver.types_for(session.id) == ["checkout.session.completed"]


def test_a_trial_only_subscription_session_needs_no_payment(client):
    _, monthly, _ = catalog(client)
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly, "quantity": 1}],
            "subscription_data": {"trial_period_days": 7},
            "success_url": SUCCESS,
        }
    )
    assert session.amount_total == 0
    # Even a trial needs a card that can be saved: the always-declined one can't.
    refused = pay(session.url, "4000000000000002")
    assert (refused.status_code, "Your card was declined." in refused.text) == (402, True)
    assert client.v1.customers.list().data == []
    assert pay(session.url, "4000000000000341").status_code == 303
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.payment_status == "no_payment_required"
    assert client.v1.subscriptions.retrieve(done.subscription).status == "trialing"


def test_a_subscription_session_without_a_trial_charges_the_first_period(client):
    _, monthly, _ = catalog(client)
    customer = client.v1.customers.create({"email": "known@example.com"})
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": monthly, "quantity": 2}],
            "success_url": SUCCESS,
        }
    )
    page = requests.get(session.url, timeout=WAIT_TIMEOUT)
    assert 'value="known@example.com"' in page.text
    declined = pay(session.url, "4000000000000341")
    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert client.v1.subscriptions.list({"customer": customer.id}).data == []

    assert pay(session.url, "5555555555554444").status_code == 303
    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["invoice"]})
    assert (done.customer, done.payment_status, done.invoice.amount_paid) == (customer.id, "paid", 2400)
    sub = client.v1.subscriptions.retrieve(done.subscription)
    assert (sub.status, sub["items"].data[0].quantity) == ("active", 2)


def test_checkout_refuses_what_stripe_refuses(client):
    mug, monthly, _ = catalog(client)
    with pytest.raises(stripe.InvalidRequestError) as recurring_in_payment:
        client.v1.checkout.sessions.create({"mode": "payment", "line_items": [{"price": monthly, "quantity": 1}]})
    assert recurring_in_payment.value.user_message.startswith(
        "You specified `payment` mode but passed a recurring price."
    )
    with pytest.raises(stripe.InvalidRequestError) as nothing_recurring:
        client.v1.checkout.sessions.create({"mode": "subscription", "line_items": [{"price": mug, "quantity": 1}]})
    assert nothing_recurring.value.user_message == (
        "You must provide at least one recurring price in `subscription` mode when using prices."
    )
    with pytest.raises(stripe.InvalidRequestError) as no_quantity:
        client.v1.checkout.sessions.create({"mode": "payment", "line_items": [{"price": mug}]})
    assert no_quantity.value.param == "line_items[0][quantity]"

    # A refused request leaves nothing behind, not even the inline product and price it started to make.
    inline = {"currency": "usd", "unit_amount": 900, "product_data": {"name": "Orphan"}}
    with pytest.raises(stripe.InvalidRequestError) as fee_without_seller:
        client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "line_items": [{"price_data": inline, "quantity": 1}],
                "payment_intent_data": {"application_fee_amount": 100},
            }
        )
    assert fee_without_seller.value.param == "payment_intent_data[application_fee_amount]"
    assert client.v1.products.list({"active": False}).data == []
    assert client.v1.prices.list({"active": False}).data == []


def test_the_billing_portal_cancels_at_period_end_and_updates_the_card(client, sandbox, webhook_receiver):
    _, monthly, _ = catalog(client)
    customer = client.v1.customers.create(
        {
            "email": "portal@example.com",
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": monthly}]})
    portal = client.v1.billing_portal.sessions.create(
        {"customer": customer.id, "return_url": "https://mercato.test/account"}
    )
    assert portal.id.startswith("bps_")
    assert portal.url == f"{sandbox.url}/p/session/{portal.id}"
    page = requests.get(portal.url, timeout=WAIT_TIMEOUT)
    assert page.status_code == 200
    assert 'href="https://mercato.test/account"' in page.text
    assert "Visa •••• 4242" in page.text

    canceled = requests.post(f"{portal.url}/cancel/{sub.id}", allow_redirects=False, timeout=WAIT_TIMEOUT)
    assert (canceled.status_code, canceled.headers["Location"]) == (303, f"/p/session/{portal.id}")
    after = client.v1.subscriptions.retrieve(sub.id)
    assert (after.status, after.cancel_at_period_end) == ("active", True)
    assert after.cancel_at == after["items"].data[0].current_period_end
    assert after.cancellation_details.reason == "cancellation_requested"

    requests.post(
        f"{portal.url}/payment_method",
        data={"card_number": "5555555555554444", "card_expiry": "01/33"},
        timeout=WAIT_TIMEOUT,
    )
    refreshed = client.v1.customers.retrieve(customer.id, {"expand": ["invoice_settings.default_payment_method"]})
    assert refreshed.invoice_settings.default_payment_method.card.last4 == "4444"
    sandbox.drain()
    updated = [event for event in webhook_receiver.events() if event["type"] == "customer.subscription.updated"]
    assert [sorted(event["data"]["previous_attributes"]) for event in updated] == [
        ["status"],
        ["cancel_at", "cancel_at_period_end", "canceled_at", "cancellation_details"],
    ]
    assert updated[1]["data"]["previous_attributes"]["cancel_at_period_end"] is False
