"""Usage-based billing: billing meters, meter events, metered prices on subscription items, and their invoice lines.

A meter sums the ``value`` of the meter events sent under its ``event_name`` for a customer
(``payload[stripe_customer_id]``). A subscription item whose price is metered (``recurring[usage_type]=metered``,
``recurring[meter]``) is billed, on the subscription's next invoice that is not a trial's, the summed value of the
customer's events not yet billed, times the price's ``unit_amount``. An event's ``identifier`` is unique: sending it
again is refused as Stripe does, so a retried report never counts twice.
"""

from __future__ import annotations

from typing import Any

from .api import Context, route
from .errors import invalid, missing_param
from .metering import METER, METER_EVENT
from .objects import emit
from .params import Params
from .state import State, new_id


@route("POST", "/v1/billing/meters")
def meters_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only("default_aggregation", "display_name", "event_name", "customer_mapping", "value_settings",
           "event_time_window")  # fmt: skip
    event_name = p.str("event_name", required=True)
    aggregation = p.sub("default_aggregation")
    if aggregation is None:
        raise missing_param("default_aggregation")
    aggregation.only("formula")
    formula = aggregation.str("formula", required=True, choices=("sum", "count"))
    if any(meter["event_name"] == event_name for meter in ctx.state.all(METER, ctx.account)):
        raise invalid(f"An active meter with event_name '{event_name}' already exists.", param="event_name")
    value_settings = p.sub("value_settings")
    value_key = value_settings.str("event_payload_key") if value_settings is not None else None
    meter = {
        "id": new_id("mtr_", 24),
        "object": METER,
        "created": ctx.state.now(),
        "customer_mapping": {"event_payload_key": "stripe_customer_id", "type": "by_id"},
        "default_aggregation": {"formula": formula},
        "display_name": p.str("display_name", required=True),
        "event_name": event_name,
        "event_time_window": None,
        "livemode": False,
        "status": "active",
        "value_settings": {"event_payload_key": value_key or "value"},
    }
    ctx.state.add(meter, ctx.account)
    return _public(meter)


@route("GET", "/v1/billing/meters")
def meters_list(ctx: Context, p: Params) -> dict[str, Any]:
    return ctx.page(ctx.state.all(METER, ctx.account), "/v1/billing/meters", p, METER)


@route("POST", "/v1/billing/meter_events")
def meter_events_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only("event_name", "identifier", "payload", "timestamp")
    event_name = p.str("event_name", required=True)
    meters = [meter for meter in ctx.state.all(METER, ctx.account) if meter["event_name"] == event_name]
    if not meters:
        raise invalid(f"No active meter was found for event_name '{event_name}'.", param="event_name")
    payload = p.sub("payload")
    if payload is None:
        raise missing_param("payload")
    customer_id = payload.str("stripe_customer_id", required=True)
    ctx.get(customer_id, "customer", param="payload[stripe_customer_id]")
    value_key = meters[0]["value_settings"]["event_payload_key"]
    raw = payload.str(value_key)
    if meters[0]["default_aggregation"]["formula"] == "count":
        value = 1
    elif raw is None or not raw.lstrip("-").isdigit():
        raise invalid(f"The payload's '{value_key}' must be a whole number.", param=f"payload[{value_key}]")
    else:
        value = int(raw)
    identifier = p.str("identifier") or new_id("mev_", 24)
    if any(event["identifier"] == identifier for event in ctx.state.all(METER_EVENT, ctx.account)):
        raise invalid(
            f"An event already exists with identifier {identifier}.", param="identifier", code="resource_already_exists"
        )
    event = {
        "id": new_id("mev_", 24),
        "object": METER_EVENT,
        "created": ctx.state.now(),
        "event_name": event_name,
        "identifier": identifier,
        "livemode": False,
        "payload": {"stripe_customer_id": customer_id, value_key: str(value)},
        "timestamp": p.int("timestamp") or ctx.state.now(),
        "_value": value,
        "_invoice": None,
    }
    ctx.state.add(event, ctx.account)
    return _public(event)


@route("GET", "/v1/billing/meter_events")
def meter_events_list(ctx: Context, p: Params) -> dict[str, Any]:
    """Not a Stripe route (Stripe only summarizes events): the sandbox's way for tests to see what was sent."""
    p.only("customer", "event_name", "limit", "starting_after", "ending_before")
    events = [
        event
        for event in ctx.state.all(METER_EVENT, ctx.account)
        if (p.str("customer") is None or event["payload"]["stripe_customer_id"] == p.str("customer"))
        and (p.str("event_name") is None or event["event_name"] == p.str("event_name"))
    ]
    return {"object": "list", "url": "/v1/billing/meter_events", "has_more": False,
            "data": [_public(event) for event in events]}  # fmt: skip


@route("POST", "/v1/subscription_items")
def subscription_items_create(ctx: Context, p: Params) -> dict[str, Any]:
    from . import objects

    p.only("subscription", "price", "quantity", "metadata", "proration_behavior")
    sub = ctx.get(p.str("subscription"), "subscription", param="subscription")
    price = ctx.get(p.str("price"), "price", param="price")
    if price["recurring"] is None:
        raise invalid("The price specified is set to `type=one_time`.", param="price")
    items = sub["items"]["data"]
    if any(item["price"] == price["id"] for item in items):
        raise invalid("Cannot add multiple subscription items with the same price.", param="price")
    first = items[0]
    if price["currency"] != sub["currency"] or price["recurring"]["interval"] != _interval(ctx.state, first):
        raise invalid("Currency and interval fields must match across all plans on this subscription.", param="price")
    metered = price["recurring"]["usage_type"] == "metered"
    if metered and p.has("quantity"):
        raise invalid("Quantity should not be specified where usage_type is `metered`.", param="quantity")
    item = objects.subscription_item(
        ctx.state, subscription_id=sub["id"], price_id=price["id"],
        quantity=1 if metered else (p.int("quantity", minimum=0) or 1),
        period=(first["current_period_start"], first["current_period_end"]),
    )  # fmt: skip
    item["metadata"] = {key: value for key, value in (p.metadata() or {}).items() if value is not None}
    items.append(item)
    emit(ctx.state, "customer.subscription.updated", sub)
    return {**{key: value for key, value in item.items() if not key.startswith("_")},
            "price": _public(price)}  # fmt: skip


def _interval(state: State, item: dict[str, Any]) -> str:
    return state.objects[item["price"]]["recurring"]["interval"]


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if not key.startswith("_")}
