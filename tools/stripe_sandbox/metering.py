"""How a subscription's metered item is billed: the customer's meter events not yet on an invoice (see meters.py)."""

from __future__ import annotations

from typing import Any

from . import payments
from .state import State

METER_EVENT = "billing.meter_event"
METER = "billing.meter"


def is_metered(price_obj: dict[str, Any]) -> bool:
    return bool(price_obj["recurring"]) and price_obj["recurring"].get("usage_type") == "metered"


def usage_line(
    state: State, sub: dict[str, Any], item: dict[str, Any], price_obj: dict[str, Any], invoice_id: str, name: str
) -> tuple[int, int, str]:
    """(quantity, amount, description) of a metered item on ``invoice_id``: the customer's unbilled usage, now
    marked billed by that invoice."""
    meter = state.objects.get(price_obj["recurring"]["meter"] or "")
    events = [
        event
        for event in state.all(METER_EVENT, sub["_account"])
        if meter is not None
        and event["event_name"] == meter["event_name"]
        and event["payload"]["stripe_customer_id"] == sub["customer"]
        and event["_invoice"] is None
    ]
    for event in events:
        event["_invoice"] = invoice_id
    quantity = sum(event["_value"] for event in events)
    unit = payments.money(price_obj["unit_amount"], price_obj["currency"])
    return quantity, quantity * price_obj["unit_amount"], f"{name} (usage: {quantity} at {unit} / unit)"
