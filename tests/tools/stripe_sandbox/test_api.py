"""The sandbox speaks Stripe's REST API to the official SDK: object shapes, lists, errors, idempotency, events."""

from decimal import Decimal

import pytest
import requests
import stripe
from stripe._api_version import _ApiVersion

from tests.stripe_sandbox import API_KEY
from tests.support import WAIT_TIMEOUT
from tools.stripe_sandbox import API_VERSION


def test_the_sandbox_returns_the_api_version_the_installed_sdk_pins():
    assert API_VERSION == _ApiVersion.CURRENT


def test_customers_are_created_retrieved_updated_listed_and_deleted(client, sandbox):
    customer = client.v1.customers.create(
        {"email": "ada@example.com", "name": "Ada Lovelace", "metadata": {"store": "alpha"}}
    )
    assert customer.id.startswith("cus_")
    assert customer.object == "customer"
    assert customer.livemode is False
    assert abs(customer.created - sandbox.now()) <= 2
    assert (customer.email, customer.name, customer.balance, customer.delinquent) == (
        "ada@example.com",
        "Ada Lovelace",
        0,
        False,
    )
    assert customer.metadata.to_dict() == {"store": "alpha"}
    assert customer.invoice_settings.default_payment_method is None

    updated = client.v1.customers.update(customer.id, {"name": "Ada King", "metadata": {"store": "", "tier": "gold"}})
    assert updated.name == "Ada King"
    assert updated.metadata.to_dict() == {"tier": "gold"}
    assert client.v1.customers.retrieve(customer.id).name == "Ada King"

    other = client.v1.customers.create({"email": "grace@example.com"})
    listed = client.v1.customers.list()
    assert listed.object == "list"
    assert listed.url == "/v1/customers"
    assert [item.id for item in listed.data] == [other.id, customer.id]
    assert [item.id for item in client.v1.customers.list({"email": "ada@example.com"}).data] == [customer.id]

    gone = client.v1.customers.delete(customer.id)
    assert (gone.id, gone.object, gone.deleted) == (customer.id, "customer", True)
    assert client.v1.customers.retrieve(customer.id).deleted is True
    assert [item.id for item in client.v1.customers.list().data] == [other.id]


def test_lists_paginate_like_stripe(client):
    ids = [client.v1.customers.create({"name": f"c{number}"}).id for number in range(5)]
    newest_first = list(reversed(ids))
    page = client.v1.customers.list({"limit": 2})
    assert [item.id for item in page.data] == newest_first[:2]
    assert page.has_more is True
    following = client.v1.customers.list({"limit": 2, "starting_after": page.data[-1].id})
    assert [item.id for item in following.data] == newest_first[2:4]
    assert [item.id for item in client.v1.customers.list({"ending_before": newest_first[2]}).data] == newest_first[:2]
    assert [item.id for item in page.auto_paging_iter()] == newest_first


def test_products_and_recurring_and_one_time_prices(client):
    product = client.v1.products.create(
        {
            "name": "Pro plan",
            "default_price_data": {"currency": "usd", "unit_amount": 2900, "recurring": {"interval": "month"}},
        }
    )
    assert product.id.startswith("prod_")
    monthly = client.v1.prices.retrieve(product.default_price)
    assert (monthly.type, monthly.unit_amount, monthly.currency, monthly.product) == (
        "recurring",
        2900,
        "usd",
        product.id,
    )
    # Sent as the string "2900", as Stripe sends decimals; the SDK turns it into a Decimal.
    assert monthly.unit_amount_decimal == Decimal("2900")
    assert monthly.recurring.to_dict() == {
        "interval": "month",
        "interval_count": 1,
        "meter": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }
    yearly = client.v1.prices.create(
        {
            "product": product.id,
            "currency": "USD",
            "unit_amount": 29000,
            "recurring": {"interval": "year"},
            "lookup_key": "pro_yearly",
        }
    )
    setup_fee = client.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": 5000})
    assert (setup_fee.type, setup_fee.recurring) == ("one_time", None)
    assert yearly.currency == "usd"
    assert [price.id for price in client.v1.prices.list({"lookup_keys": ["pro_yearly"]}).data] == [yearly.id]
    assert [price.id for price in client.v1.prices.list({"product": product.id, "type": "recurring"}).data] == [
        yearly.id,
        monthly.id,
    ]
    archived = client.v1.prices.update(setup_fee.id, {"active": False})
    assert archived.active is False
    assert [price.id for price in client.v1.prices.list({"active": False}).data] == [setup_fee.id]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.create(
            {"product": product.id, "currency": "usd", "unit_amount": 1, "lookup_key": "pro_yearly"}
        )
    assert error.value.user_message == f"A price ({yearly.id}) already uses that lookup key."


def test_errors_have_stripes_shape_and_status(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_doesnotexist")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    assert missing.value.param == "id"
    assert missing.value.user_message == "No such customer: 'cus_doesnotexist'"
    assert missing.value.json_body["error"]["type"] == "invalid_request_error"

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create({"emial": "typo@example.com"})
    assert (unknown.value.http_status, unknown.value.code, unknown.value.param) == (400, "parameter_unknown", "emial")
    assert unknown.value.user_message == "Received unknown parameter: emial"

    with pytest.raises(stripe.InvalidRequestError) as required:
        client.v1.prices.create({"currency": "usd", "unit_amount": 100})
    assert (required.value.code, required.value.param) == ("parameter_missing", "product")
    assert required.value.user_message == "Missing required param: product."

    with pytest.raises(stripe.InvalidRequestError) as nested:
        client.v1.products.create({"name": "x", "default_price_data": {"currency": "usd", "unit_amount": "ten"}})
    assert nested.value.user_message == "Invalid integer: ten"
    assert nested.value.param == "default_price_data[unit_amount]"

    response = requests.get(
        f"{client._requestor.base_addresses['api']}/v1/nothing", auth=(API_KEY, ""), timeout=WAIT_TIMEOUT
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("Unrecognized request URL (GET: /v1/nothing).")


def test_requests_without_a_test_mode_key_are_refused(sandbox):
    bare = requests.get(f"{sandbox.url}/v1/customers", timeout=WAIT_TIMEOUT)
    assert bare.status_code == 401
    assert bare.json()["error"]["message"].startswith("You did not provide an API key.")
    live = stripe.StripeClient("sk_live_0123456789abcdef", base_addresses={"api": sandbox.url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as error:
        live.v1.customers.list()
    assert error.value.http_status == 401
    assert "only accepts test-mode secret keys" in error.value.user_message


def test_an_idempotency_key_replays_the_first_response(client, sandbox):
    first = client.v1.customers.create({"email": "once@example.com"}, {"idempotency_key": "signup-42"})
    again = client.v1.customers.create({"email": "once@example.com"}, {"idempotency_key": "signup-42"})
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert [item.id for item in client.v1.customers.list().data] == [first.id]

    with pytest.raises(stripe.IdempotencyError) as error:
        client.v1.customers.create({"email": "other@example.com"}, {"idempotency_key": "signup-42"})
    assert error.value.http_status == 400
    assert error.value.user_message == (
        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using "
        "a key other than 'signup-42' if you meant to execute a different request."
    )

    # A decline is a result too: replaying the key returns the same 402 without charging again.
    declined = {"amount": 1500, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True}
    with pytest.raises(stripe.CardError) as first_decline:
        client.v1.payment_intents.create(declined, {"idempotency_key": "order-7"})
    with pytest.raises(stripe.CardError) as replayed:
        client.v1.payment_intents.create(declined, {"idempotency_key": "order-7"})
    assert replayed.value.http_body == first_decline.value.http_body
    assert replayed.value.headers["Idempotent-Replayed"] == "true"
    assert len(client.v1.payment_intents.list().data) == 1


def test_expand_fills_in_related_objects(client):
    customer = client.v1.customers.create({"email": "x@example.com", "payment_method": "pm_card_visa"})
    intent = client.v1.payment_intents.create(
        {
            "amount": 2000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": customer_card(client, customer.id),
            "confirm": True,
            "expand": ["customer", "latest_charge"],
        }
    )
    assert intent.customer.email == "x@example.com"
    assert intent.latest_charge.object == "charge"
    assert intent.latest_charge.amount == 2000
    listed = client.v1.payment_intents.list({"expand": ["data.customer"]})
    assert listed.data[0].customer.id == customer.id
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.payment_intents.retrieve(intent.id, {"expand": ["nonsense"]})
    assert error.value.user_message == "This property cannot be expanded (nonsense)."


def customer_card(client, customer_id: str) -> str:
    return client.v1.payment_methods.list({"customer": customer_id, "type": "card"}).data[0].id


def test_events_are_listed_with_the_request_that_caused_them(client):
    customer = client.v1.customers.create({"email": "e@example.com"}, {"idempotency_key": "make-e"})
    client.v1.customers.update(customer.id, {"name": "E"})
    events = client.v1.events.list({"type": "customer.*"})
    assert [event.type for event in events.data] == ["customer.updated", "customer.created"]
    created = events.data[1]
    assert created.api_version == _ApiVersion.CURRENT
    assert created.data.object.id == customer.id
    assert created.request.idempotency_key == "make-e"
    assert created.request.id.startswith("req_")
    assert events.data[0].data.previous_attributes.to_dict() == {"name": None}
    assert client.v1.events.retrieve(created.id).id == created.id


def test_the_sdks_module_level_configuration_works_too(stripe_module):
    customer = stripe_module.Customer.create(email="global@example.com")
    assert stripe_module.Customer.retrieve(customer.id).email == "global@example.com"
