"""Usage-based billing in the sandbox: meters, meter events (one per identifier), metered subscription items and
the usage line on the next invoice."""

import pytest
import stripe

from tests.tools.stripe_sandbox.test_subscriptions import customer_with_card, invoices, plan

DAY = 86400


def _metered_price(client) -> tuple[str, str]:
    meter = client.v1.billing.meters.create(
        {"display_name": "API calls", "event_name": "api_calls", "default_aggregation": {"formula": "sum"}}
    )
    price = client.v1.prices.create({
        "currency": "usd", "unit_amount": 5, "product_data": {"name": "API calls"},
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id},
    })  # fmt: skip
    return meter.id, price.id


def test_usage_reported_by_meter_events_is_billed_once_on_the_next_invoice(client, sandbox):
    customer = customer_with_card(client)
    sub = client.v1.subscriptions.create({"customer": customer, "items": [{"price": plan(client, "Starter", 1900)}]})
    _, price = _metered_price(client)
    item = client.v1.subscription_items.create({"subscription": sub.id, "price": price, "proration_behavior": "none"})
    assert item.price.recurring.usage_type == "metered"
    for identifier, value in (("call-1", "3"), ("call-2", "4")):
        client.v1.billing.meter_events.create(
            {"event_name": "api_calls", "identifier": identifier,
             "payload": {"stripe_customer_id": customer, "value": value}}
        )  # fmt: skip
    with pytest.raises(stripe.InvalidRequestError) as repeated:
        client.v1.billing.meter_events.create(
            {
                "event_name": "api_calls",
                "identifier": "call-1",
                "payload": {"stripe_customer_id": customer, "value": "3"},
            }
        )
    assert repeated.value.code == "resource_already_exists"

    sandbox.advance(days=32)
    renewal = invoices(client, sub.id)[-1]
    usage = [line for line in renewal.lines.data if line.description.startswith("API calls")]
    # 3 + 4 units at 5 cents; the repeated event counted nothing.
    assert [(line.quantity, line.amount) for line in usage] == [(7, 35)]
    assert renewal.total == 1900 + 35
    sandbox.advance(days=31)
    later = invoices(client, sub.id)[-1]
    assert [line.amount for line in later.lines.data if line.description.startswith("API calls")] == [0]


def test_meter_mistakes_are_refused_as_stripe_refuses_them(client):
    customer = customer_with_card(client)
    with pytest.raises(stripe.InvalidRequestError):  # no meter for this event name
        client.v1.billing.meter_events.create(
            {"event_name": "nothing", "payload": {"stripe_customer_id": customer, "value": "1"}}
        )
    _metered_price(client)
    with pytest.raises(stripe.InvalidRequestError):  # one active meter per event name
        client.v1.billing.meters.create(
            {"display_name": "Again", "event_name": "api_calls", "default_aggregation": {"formula": "sum"}}
        )
    with pytest.raises(stripe.InvalidRequestError):  # a metered price needs its meter
        client.v1.prices.create({"currency": "usd", "unit_amount": 1, "product_data": {"name": "X"},
                                 "recurring": {"interval": "month", "usage_type": "metered"}})  # fmt: skip
    with pytest.raises(stripe.InvalidRequestError):  # the value must be a whole number
        client.v1.billing.meter_events.create(
            {"event_name": "api_calls", "payload": {"stripe_customer_id": customer, "value": "1.5"}}
        )
