"""PaymentIntents with Stripe's test cards, refunds, and Connect: destination charges, direct charges, fees."""

import pytest
import requests
import stripe

from tests.support import WAIT_TIMEOUT


def onboarded_account(client, sandbox, **fields) -> str:
    """A connected account taken through the hosted onboarding page, as a seller would."""
    account = client.v1.accounts.create({"type": "express", "email": "seller@example.com", **fields})
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "type": "account_onboarding",
            "refresh_url": "https://mercato.test/connect/refresh",
            "return_url": "https://mercato.test/connect/done",
        }
    )
    finished = requests.post(
        link.url, data={"business_url": "https://seller.example"}, allow_redirects=False, timeout=WAIT_TIMEOUT
    )
    assert (finished.status_code, finished.headers["Location"]) == (303, "https://mercato.test/connect/done")
    return account.id


def test_a_payment_with_the_4242_card_succeeds(client, sandbox, webhook_receiver):
    customer = client.v1.customers.create({"email": "buyer@example.com"})
    intent = client.v1.payment_intents.create(
        {
            "amount": 4200,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"order": "A-1"},
        }
    )
    assert intent.id.startswith("pi_")
    assert (intent.status, intent.amount_received, intent.capture_method) == ("succeeded", 4200, "automatic_async")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.payment_method.startswith("pm_") and intent.payment_method != "pm_card_visa"
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.paid, charge.captured, charge.amount_captured) == ("succeeded", True, True, 4200)
    assert (charge.payment_intent, charge.customer, charge.metadata.to_dict()) == (
        intent.id,
        customer.id,
        {"order": "A-1"},
    )
    card = charge.payment_method_details.card
    assert (card.brand, card.last4, card.funding, card.checks.cvc_check) == ("visa", "4242", "credit", "pass")
    assert charge.outcome.type == "authorized"
    sandbox.drain()
    assert webhook_receiver.types_for(intent.id) == ["payment_intent.created", "payment_intent.succeeded"]
    assert webhook_receiver.types_for(charge.id) == ["charge.succeeded"]


def test_a_declined_card_raises_a_card_error_and_leaves_the_intent_waiting(client, sandbox, webhook_receiver):
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            {"amount": 1500, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True}
        )
    error = declined.value
    assert (error.http_status, error.code, error.error.decline_code) == (402, "card_declined", "generic_decline")
    assert error.user_message == "Your card was declined."
    assert error.error.type == "card_error"
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.payment_method is None
    assert intent.last_payment_error.code == "card_declined"
    assert intent.last_payment_error.payment_method.card.last4 == "0002"
    failed_charge = client.v1.charges.retrieve(error.error.charge)
    assert (failed_charge.status, failed_charge.failure_code, failed_charge.outcome.type) == (
        "failed",
        "card_declined",
        "issuer_declined",
    )

    retried = client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert retried.status == "succeeded"
    assert retried.last_payment_error is None
    sandbox.drain()
    assert webhook_receiver.types_for(intent.id) == [
        "payment_intent.created",
        "payment_intent.payment_failed",
        "payment_intent.succeeded",
    ]


def test_stripes_other_test_cards_decline_the_way_stripe_documents(client):
    cases = {
        "pm_card_visa_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds"),
        "pm_card_chargeDeclinedExpiredCard": ("expired_card", None),
        "pm_card_chargeDeclinedIncorrectCvc": ("incorrect_cvc", None),
        "pm_card_chargeDeclinedProcessingError": ("processing_error", None),
    }
    for method, expected in cases.items():
        with pytest.raises(stripe.CardError) as error:
            client.v1.payment_intents.create(
                {"amount": 900, "currency": "usd", "payment_method": method, "confirm": True}
            )
        assert (error.value.code, error.value.error.decline_code) == expected


def test_the_0341_card_is_saved_but_charging_it_fails(client):
    customer = client.v1.customers.create({"email": "later@example.com"})
    card = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer.id})
    assert (card.customer, card.card.last4) == (customer.id, "0341")
    with pytest.raises(stripe.CardError) as error:
        client.v1.payment_intents.create(
            {
                "amount": 1200,
                "currency": "usd",
                "customer": customer.id,
                "payment_method": card.id,
                "confirm": True,
                "off_session": True,
            }
        )
    assert error.value.code == "card_declined"

    with pytest.raises(stripe.CardError) as refused:
        client.v1.payment_methods.attach("pm_card_chargeDeclined", {"customer": customer.id})
    assert refused.value.user_message == "Your card was declined."
    assert [method.id for method in client.v1.customers.payment_methods.list(customer.id).data] == [card.id]


def test_manual_capture_and_cancel(client):
    held = client.v1.payment_intents.create(
        {
            "amount": 3000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "capture_method": "manual",
        }
    )
    assert (held.status, held.amount_capturable, held.amount_received) == ("requires_capture", 3000, 0)
    captured = client.v1.payment_intents.capture(held.id, {"amount_to_capture": 2500})
    assert (captured.status, captured.amount_received) == ("succeeded", 2500)
    assert client.v1.charges.retrieve(captured.latest_charge).amount_captured == 2500

    unpaid = client.v1.payment_intents.create({"amount": 800, "currency": "usd"})
    assert unpaid.status == "requires_payment_method"
    canceled = client.v1.payment_intents.cancel(unpaid.id, {"cancellation_reason": "abandoned"})
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.payment_intents.confirm(canceled.id, {"payment_method": "pm_card_visa"})
    assert error.value.code == "payment_intent_unexpected_state"


def test_refunds_partial_then_the_rest(client, sandbox, webhook_receiver):
    intent = client.v1.payment_intents.create(
        {"amount": 5000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    partial = client.v1.refunds.create({"payment_intent": intent.id, "amount": 1500, "reason": "requested_by_customer"})
    assert partial.id.startswith("re_")
    assert (partial.status, partial.amount, partial.charge, partial.payment_intent) == (
        "succeeded",
        1500,
        intent.latest_charge,
        intent.id,
    )
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (1500, False)

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create({"charge": charge.id, "amount": 4000})
    assert too_much.value.user_message == (
        "Refund amount ($40.00) is greater than unrefunded amount on charge ($35.00)"
    )
    rest = client.v1.refunds.create({"charge": charge.id})
    assert rest.amount == 3500
    assert client.v1.charges.retrieve(charge.id).refunded is True
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create({"charge": charge.id})
    assert again.value.code == "charge_already_refunded"
    assert [refund.id for refund in client.v1.refunds.list({"payment_intent": intent.id}).data] == [rest.id, partial.id]
    sandbox.drain()
    assert webhook_receiver.types_for(charge.id) == ["charge.succeeded", "charge.refunded", "charge.refunded"]
    refunded = [event for event in webhook_receiver.events() if event["type"] == "charge.refunded"]
    assert [event["data"]["previous_attributes"] for event in refunded] == [
        {"amount_refunded": 0},
        {"amount_refunded": 1500, "refunded": False},
    ]


def test_connected_accounts_onboard_through_an_account_link(client, sandbox, webhook_receiver):
    account = client.v1.accounts.create({"type": "express", "email": "potter@example.com", "country": "US"})
    assert account.id.startswith("acct_")
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    assert account.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}

    link = client.v1.account_links.create(
        {
            "account": account.id,
            "type": "account_onboarding",
            "refresh_url": "https://mercato.test/connect/refresh",
            "return_url": "https://mercato.test/connect/done",
        }
    )
    assert link.object == "account_link"
    assert link.expires_at - link.created == 300
    page = requests.get(link.url, timeout=WAIT_TIMEOUT)
    assert page.status_code == 200
    assert account.id in page.text
    done = requests.post(
        link.url, data={"business_url": "https://potter.example"}, allow_redirects=False, timeout=WAIT_TIMEOUT
    )
    assert (done.status_code, done.headers["Location"]) == (303, "https://mercato.test/connect/done")
    # A used link sends the seller to refresh_url, where Mercato makes a new one.
    reused = requests.get(link.url, allow_redirects=False, timeout=WAIT_TIMEOUT)
    assert (reused.status_code, reused.headers["Location"]) == (303, "https://mercato.test/connect/refresh")

    ready = client.v1.accounts.retrieve(account.id)
    assert (ready.charges_enabled, ready.payouts_enabled, ready.details_submitted) == (True, True, True)
    assert ready.capabilities.to_dict() == {"card_payments": "active", "transfers": "active"}
    assert ready.requirements.currently_due == []
    assert ready.business_profile.url == "https://potter.example"
    sandbox.drain()
    updated = [event for event in webhook_receiver.events() if event["type"] == "account.updated"]
    assert len(updated) == 1
    assert updated[0]["account"] == account.id
    assert updated[0]["data"]["previous_attributes"]["charges_enabled"] is False


def test_a_destination_charge_transfers_the_amount_less_the_application_fee(client, sandbox):
    seller = onboarded_account(client, sandbox)
    intent = client.v1.payment_intents.create(
        {
            "amount": 10000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "application_fee_amount": 1200,
            "transfer_data": {"destination": seller},
        }
    )
    assert intent.transfer_data.destination == seller
    assert intent.application_fee_amount == 1200
    charge = client.v1.charges.retrieve(intent.latest_charge, {"expand": ["transfer", "application_fee"]})
    assert (charge.transfer.amount, charge.transfer.destination, charge.transfer.source_transaction) == (
        8800,
        seller,
        charge.id,
    )
    assert (charge.application_fee.amount, charge.application_fee.account, charge.application_fee_amount) == (
        1200,
        seller,
        1200,
    )
    assert [transfer.id for transfer in client.v1.transfers.list({"destination": seller}).data] == [charge.transfer.id]

    client.v1.refunds.create({"charge": charge.id, "reverse_transfer": True, "refund_application_fee": True})
    assert client.v1.transfers.retrieve(charge.transfer.id).amount_reversed == 8800
    assert client.v1.application_fees.retrieve(charge.application_fee.id).refunded is True


def test_a_direct_charge_with_the_stripe_account_header_lives_on_the_connected_account(
    client, sandbox, webhook_receiver
):
    seller = onboarded_account(client, sandbox)
    on_seller = {"stripe_account": seller}
    intent = client.v1.payment_intents.create(
        {
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "application_fee_amount": 300,
        },
        on_seller,
    )
    assert intent.status == "succeeded"
    assert client.v1.payment_intents.retrieve(intent.id, options=on_seller).id == intent.id
    with pytest.raises(stripe.InvalidRequestError) as not_ours:
        client.v1.payment_intents.retrieve(intent.id)
    assert not_ours.value.http_status == 404
    fees = client.v1.application_fees.list()
    assert [(fee.amount, fee.account) for fee in fees.data] == [(300, seller)]
    sandbox.drain()
    succeeded = [event for event in webhook_receiver.events() if event["type"] == "payment_intent.succeeded"]
    assert [event["account"] for event in succeeded] == [seller]

    with pytest.raises(stripe.PermissionError) as unknown:
        client.v1.customers.list(options={"stripe_account": "acct_nobodyhere"})
    assert unknown.value.http_status == 403


def test_connect_payments_are_refused_where_stripe_refuses_them(client, sandbox):
    with pytest.raises(stripe.InvalidRequestError) as fee_without_account:
        client.v1.payment_intents.create({"amount": 2000, "currency": "usd", "application_fee_amount": 100})
    assert fee_without_account.value.user_message.startswith(
        "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment"
    )
    not_onboarded = client.v1.accounts.create({"type": "express"})
    with pytest.raises(stripe.InvalidRequestError) as unready:
        client.v1.payment_intents.create(
            {"amount": 2000, "currency": "usd", "transfer_data": {"destination": not_onboarded.id}}
        )
    assert unready.value.code == "insufficient_capabilities_for_transfer"
    with pytest.raises(stripe.InvalidRequestError) as too_small:
        client.v1.payment_intents.create({"amount": 20, "currency": "usd"})
    assert (too_small.value.code, too_small.value.user_message) == (
        "amount_too_small",
        "Amount must be at least $0.50 usd",
    )


def test_checkout_pays_a_seller_through_a_destination_charge(client, sandbox):
    seller = onboarded_account(client, sandbox)
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {"currency": "usd", "unit_amount": 6000, "product_data": {"name": "Vase"}},
                    "quantity": 1,
                }
            ],
            "payment_intent_data": {"application_fee_amount": 600, "transfer_data": {"destination": seller}},
            "success_url": "https://mercato.test/done",
        }
    )
    paid = requests.post(
        session.url,
        data={"email": "buyer@example.com", "card_number": "4242424242424242", "card_expiry": "12/34"},
        allow_redirects=False,
        timeout=WAIT_TIMEOUT,
    )
    assert paid.status_code == 303
    intent = client.v1.payment_intents.retrieve(
        client.v1.checkout.sessions.retrieve(session.id).payment_intent, {"expand": ["latest_charge.transfer"]}
    )
    assert (intent.application_fee_amount, intent.transfer_data.destination) == (600, seller)
    assert (intent.latest_charge.transfer.amount, intent.latest_charge.transfer.destination) == (5400, seller)


def test_a_subscription_on_a_connected_account_takes_its_application_fee_percent_each_period(client, sandbox):
    seller = onboarded_account(client, sandbox)
    on_seller = {"stripe_account": seller}
    customer = client.v1.customers.create(
        {
            "email": "member@example.com",
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        },
        on_seller,
    )
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 2000, "recurring": {"interval": "month"}, "product_data": {"name": "Club"}},
        on_seller,
    )
    sub = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": price.id}],
            "application_fee_percent": 10,
            "expand": ["latest_invoice.payments.data.payment.payment_intent"],
        },
        on_seller,
    )
    first = sub.latest_invoice.payments.data[0].payment.payment_intent
    assert (first.amount, first.application_fee_amount) == (2000, 200)
    sandbox.advance(days=32)
    assert [(fee.amount, fee.account) for fee in client.v1.application_fees.list().data] == [
        (200, seller),
        (200, seller),
    ]
    with pytest.raises(stripe.InvalidRequestError) as platform_only:
        client.v1.subscriptions.retrieve(sub.id)
    assert platform_only.value.http_status == 404


def test_test_tokens_make_payment_methods(client):
    method = client.v1.payment_methods.create(
        {"type": "card", "card": {"token": "tok_mastercard"}, "billing_details": {"name": "Token Holder"}}
    )
    assert (method.type, method.card.brand, method.card.last4, method.billing_details.name) == (
        "card",
        "mastercard",
        "4444",
        "Token Holder",
    )
    with pytest.raises(stripe.InvalidRequestError) as raw_number:
        client.v1.payment_methods.create({"type": "card", "card": {"number": "4242424242424242"}})
    assert raw_number.value.user_message.startswith(
        "Sending credit card numbers directly to the Stripe API is generally unsafe."
    )
    with pytest.raises(stripe.InvalidRequestError) as token_as_method:
        client.v1.payment_intents.create({"amount": 900, "currency": "usd", "payment_method": "tok_visa"})
    assert token_as_method.value.user_message == "No such PaymentMethod: 'tok_visa'"
