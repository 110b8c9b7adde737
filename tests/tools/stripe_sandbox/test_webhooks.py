"""Webhooks: signed as Stripe signs them (verified by the SDK), retried with backoff, routed per endpoint."""

import re
import time

import pytest
import stripe

from tests.stripe_sandbox import WEBHOOK_PATH, WEBHOOK_SECRET


def test_every_delivery_verifies_with_construct_event(client, sandbox, webhook_receiver):
    customer = client.v1.customers.create({"email": "signed@example.com"})
    client.v1.customers.update(customer.id, {"name": "Signed"})
    sandbox.drain()
    deliveries = [item for item in webhook_receiver.received if item.path == WEBHOOK_PATH]
    assert [item.event["type"] for item in deliveries] == ["customer.created", "customer.updated"]
    for delivery in deliveries:
        header = delivery.headers["Stripe-Signature"]
        assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
        # Signed with the wall clock, so the SDK's 5-minute tolerance holds even after the sandbox clock moved.
        assert abs(int(header[2:12]) - time.time()) <= 5
        assert delivery.headers["Content-Type"] == "application/json; charset=utf-8"
        event = stripe.Webhook.construct_event(delivery.body, header, WEBHOOK_SECRET)
        assert event.data.object.id == customer.id
        assert event.livemode is False
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(deliveries[0].body, deliveries[0].headers["Stripe-Signature"], "whsec_wrong")
    tampered = deliveries[0].body.replace(b"signed@example.com", b"forged@example.com")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, deliveries[0].headers["Stripe-Signature"], WEBHOOK_SECRET)


def test_events_after_a_clock_advance_still_verify(client, sandbox, webhook_receiver):
    customer = client.v1.customers.create(
        {
            "email": "later@example.com",
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 900, "recurring": {"interval": "month"}, "product_data": {"name": "Lite"}}
    )
    sub = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}]})
    sandbox.advance(days=40)
    sandbox.drain()
    renewal = [
        item
        for item in webhook_receiver.received
        if item.event["type"] == "invoice.paid"
        and item.event["data"]["object"]["billing_reason"] == "subscription_cycle"
    ]
    assert len(renewal) == 1
    event = client.construct_event(renewal[0].body, renewal[0].headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert event.data.object.parent.subscription_details.subscription == sub.id
    assert event.created > time.time() + 25 * 86400


def test_a_failing_endpoint_is_retried_with_backoff_until_it_answers(client, sandbox, webhook_receiver):
    webhook_receiver.fail_next(2)
    customer = client.v1.customers.create({"email": "retry@example.com"})
    sandbox.drain()
    attempts = [(item["attempt"], item["status"], item["ok"]) for item in sandbox.deliveries()]
    assert attempts == [(1, 500, False), (2, 500, False), (3, 200, True)]
    assert [event["data"]["object"]["id"] for event in webhook_receiver.events()] == [customer.id]
    event = client.v1.events.list({"type": "customer.created"}).data[0]
    assert event.pending_webhooks == 0


def test_an_endpoint_that_never_answers_gets_the_configured_number_of_attempts(client, sandbox, webhook_receiver):
    webhook_receiver.fail_next(10)
    client.v1.customers.create({"email": "gone@example.com"})
    sandbox.drain()
    assert [item["attempt"] for item in sandbox.deliveries()] == [1, 2, 3, 4]
    assert webhook_receiver.events() == []
    assert client.v1.events.list().data[0].pending_webhooks == 1


def test_endpoints_created_through_the_api_get_their_own_secret_and_events(client, sandbox, webhook_receiver):
    endpoint = client.v1.webhook_endpoints.create(
        {"url": webhook_receiver.url + "/only-payments", "enabled_events": ["payment_intent.succeeded"]}
    )
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.status == "enabled"
    assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id)
    client.v1.customers.create({"email": "noise@example.com"})
    intent = client.v1.payment_intents.create(
        {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    sandbox.drain()
    mine = [item for item in webhook_receiver.received if item.path == "/only-payments"]
    assert [item.event["type"] for item in mine] == ["payment_intent.succeeded"]
    event = stripe.Webhook.construct_event(mine[0].body, mine[0].headers["Stripe-Signature"], endpoint.secret)
    assert event.data.object.id == intent.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(mine[0].body, mine[0].headers["Stripe-Signature"], WEBHOOK_SECRET)


def test_connect_endpoints_receive_only_connected_accounts_events(client, sandbox, webhook_receiver):
    endpoint = client.v1.webhook_endpoints.create(
        {"url": webhook_receiver.url + "/connect", "enabled_events": ["*"], "connect": True}
    )
    client.v1.customers.create({"email": "platform@example.com"})
    account = client.v1.accounts.create({"type": "express"})
    client.v1.accounts.update(account.id, {"metadata": {"store": "beta"}})
    sandbox.drain()
    connect = [item.event for item in webhook_receiver.received if item.path == "/connect"]
    assert [(event["type"], event["account"]) for event in connect] == [("account.updated", account.id)]
    assert endpoint.id.startswith("we_")
