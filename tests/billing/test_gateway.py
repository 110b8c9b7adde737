"""Mercato's own Stripe client reaches the local sandbox when no key is set, through the official SDK."""

import pytest

from billing.gateway import stripe_client, using_sandbox


def test_without_a_key_the_gateway_talks_to_the_sandbox(settings, sandbox):
    assert using_sandbox()
    customer = stripe_client().v1.customers.create(params={"email": "owner@alpha.test"})
    assert customer.id.startswith("cus_") and customer.livemode is False
    assert stripe_client().v1.customers.retrieve(customer.id).email == "owner@alpha.test"


def test_with_a_key_the_gateway_would_talk_to_stripe_itself(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_" + "k" * 24
    client = stripe_client()
    assert not using_sandbox()
    assert client._requestor.base_addresses.get("api") in (None, "https://api.stripe.com")


@pytest.mark.parametrize("account", ["acct_123"])
def test_connected_account_calls_carry_the_stripe_account(sandbox, account):
    connected = stripe_client().v1.accounts.create(params={"type": "express"})
    client = stripe_client(stripe_account=connected.id)
    assert client._requestor._options.stripe_account == connected.id
