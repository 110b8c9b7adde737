"""Stripe's objects as the API returns them: constructors with each field's Stripe name and type, and rendering.

Only fields Mercato reads or could reasonably read are modelled, but every field present has the name, type and
null-ness of the pinned API version (see ``state.API_VERSION``). Private bookkeeping lives in keys starting with
``_`` and never leaves the sandbox.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import string
from collections.abc import Callable
from typing import Any

from .errors import invalid, no_such
from .params import Params
from .state import State, new_id
from .wallets import WALLETS


def public(value: Any) -> Any:
    """A deep copy without the sandbox's private ``_`` keys."""
    if isinstance(value, dict):
        return {key: public(item) for key, item in value.items() if not key.startswith("_")}
    if isinstance(value, list):
        return [public(item) for item in value]
    return value


def render(state: State, obj: dict[str, Any], expand: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The object as the API returns it, with ``expand`` paths (``latest_invoice.payments``) filled in."""
    data = public(obj)
    hook = _RENDER_HOOKS.get(obj["object"])
    if hook:
        hook(state, obj, data)
    for path in expand:
        _expand(state, obj, data, path.split("."))
    return data


def _expand(state: State, source: dict[str, Any] | None, data: Any, parts: list[str]) -> None:
    if not parts or not isinstance(data, dict):
        return
    head, rest = parts[0], parts[1:]
    if data.get("object") == "list" and head == "data":
        for item in data["data"]:
            _expand(state, state.find(item.get("id", "")), item, rest)
        return
    includable = _INCLUDABLE.get((data.get("object"), head))
    if includable is not None and source is not None:
        data[head] = includable(state, source)
        _expand(state, None, data[head], rest)
        return
    if head not in data:
        raise invalid(f"This property cannot be expanded ({head}).", param="expand")
    value = data[head]
    if isinstance(value, str):
        target = state.find(value)
        if target is None:
            raise invalid(f"This property cannot be expanded ({head}).", param="expand")
        data[head] = render(state, target)
        _expand(state, target, data[head], rest)
    elif isinstance(value, dict):
        _expand(state, state.find(value.get("id", "")) if "id" in value else None, value, rest)


def paginate(
    state: State, items: list[dict[str, Any]], *, url: str, params: Params, kind: str = "object"
) -> dict[str, Any]:
    """A Stripe list envelope over items already in list order, honouring limit, starting_after, ending_before."""
    limit = params.int("limit", default=10)
    assert limit is not None
    if not 1 <= limit <= 100:
        raise invalid("Invalid integer: limit must be between 1 and 100", param="limit")
    ids = [item["id"] for item in items]
    starting_after = params.str("starting_after")
    ending_before = params.str("ending_before")
    if starting_after is not None:
        if starting_after not in ids:
            raise no_such(kind, starting_after, param="starting_after")
        rest = items[ids.index(starting_after) + 1 :]
        page, has_more = rest[:limit], len(rest) > limit
    elif ending_before is not None:
        if ending_before not in ids:
            raise no_such(kind, ending_before, param="ending_before")
        before = items[: ids.index(ending_before)]
        page, has_more = before[-limit:], len(before) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    expand = [path[len("data.") :] for path in params.expand() if path.startswith("data.")]
    return {
        "object": "list",
        "data": [render(state, item, expand) for item in page],
        "has_more": has_more,
        "url": url,
    }


def list_envelope(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}


def _random_upper(length: int) -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(length))


def _address() -> dict[str, Any]:
    return {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


# --- Customers, products, prices ---------------------------------------------------------------------------


def customer(state: State, account: str | None, **fields: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": new_id("cus_", 14),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": state.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": _random_upper(8),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    obj.update(fields)
    return state.add(obj, account)


def product(state: State, account: str | None, **fields: Any) -> dict[str, Any]:
    now = state.now()
    obj = {
        "id": new_id("prod_", 14),
        "object": "product",
        "active": True,
        "created": now,
        "default_price": None,
        "description": None,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": "",
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": now,
        "url": None,
    }
    obj.update(fields)
    return state.add(obj, account)


def price(
    state: State,
    account: str | None,
    *,
    product_id: str,
    currency: str,
    unit_amount: int,
    recurring: dict[str, Any] | None,
    **fields: Any,
) -> dict[str, Any]:
    obj = {
        "id": new_id("price_", 24),
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": state.now(),
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": product_id,
        "recurring": (
            {
                "interval": recurring["interval"],
                "interval_count": recurring.get("interval_count", 1),
                "meter": recurring.get("meter"),
                "trial_period_days": None,
                "usage_type": recurring.get("usage_type", "licensed"),
            }
            if recurring
            else None
        ),
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }
    obj.update(fields)
    return state.add(obj, account)


def plan_from_price(price_obj: dict[str, Any]) -> dict[str, Any]:
    """The legacy Plan view Stripe still embeds in subscription items (a recurring Price is also a Plan)."""
    recurring = price_obj["recurring"] or {"interval": "month", "interval_count": 1}
    return {
        "id": price_obj["id"],
        "object": "plan",
        "active": price_obj["active"],
        "amount": price_obj["unit_amount"],
        "amount_decimal": price_obj["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price_obj["created"],
        "currency": price_obj["currency"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": False,
        "metadata": dict(price_obj["metadata"]),
        "meter": None,
        "nickname": price_obj["nickname"],
        "product": price_obj["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }


# --- Payments -----------------------------------------------------------------------------------------------


def payment_method(
    state: State,
    account: str | None,
    *,
    brand: str,
    funding: str,
    last4: str,
    exp_month: int,
    exp_year: int,
    number: str,
    cvc_provided: bool,
    billing_name: str | None = None,
    billing_email: str | None = None,
) -> dict[str, Any]:
    card = {
        "brand": brand,
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": None,
            "cvc_check": "pass" if cvc_provided else None,
        },
        "country": "US",
        "display_brand": brand,
        "exp_month": exp_month,
        "exp_year": exp_year,
        # Stripe's fingerprint identifies the card number within an account; a stable digest does the same.
        "fingerprint": _fingerprint(number),
        "funding": funding,
        "generated_from": None,
        "last4": last4,
        "networks": {"available": [brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }
    return _payment_method(
        state, account, "card", card, billing_name=billing_name, billing_email=billing_email, _number=number
    )


def wallet_payment_method(
    state: State, account: str | None, *, method_type: str, billing_name: str | None, billing_email: str | None
) -> dict[str, Any]:
    """An Alipay or WeChat Pay PaymentMethod, as Checkout makes one when the buyer picks the wallet."""
    return _payment_method(state, account, method_type, {}, billing_name=billing_name, billing_email=billing_email)


def _payment_method(
    state: State,
    account: str | None,
    method_type: str,
    details: dict[str, Any],
    *,
    billing_name: str | None,
    billing_email: str | None,
    **private: Any,
) -> dict[str, Any]:
    """A PaymentMethod of ``method_type`` with its ``details``; ``private`` holds the sandbox's own keys."""
    obj = {
        "id": new_id("pm_", 24),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": _address(),
            "email": billing_email,
            "name": billing_name,
            "phone": None,
            "tax_id": None,
        },
        method_type: details,
        "created": state.now(),
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": method_type,
        **private,
    }
    return state.add(obj, account)


def _fingerprint(number: str) -> str:
    return hashlib.sha256(number.encode()).hexdigest()[:16]


def payment_intent(state: State, account: str | None, *, amount: int, currency: str, **fields: Any) -> dict[str, Any]:
    intent_id = new_id("pi_", 24)
    obj = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_{new_id('', 25)}",
        "confirmation_method": "automatic",
        "created": state.now(),
        "currency": currency,
        "customer": None,
        "description": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    obj.update(fields)
    return state.add(obj, account)


def charge(
    state: State,
    account: str | None,
    *,
    intent: dict[str, Any],
    method: dict[str, Any],
    failure: tuple[str, str | None, str] | None,
    capture: bool,
) -> dict[str, Any]:
    """A charge for a PaymentIntent; ``failure`` is (code, decline_code, message) when the card or wallet declines."""
    succeeded = failure is None
    if method["type"] == "card":
        card = method["card"]
        details: dict[str, Any] = {
            "card": {
                "amount_authorized": intent["amount"] if succeeded else None,
                "brand": card["brand"],
                "checks": copy.deepcopy(card["checks"]),
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "last4": card["last4"],
                "network": card["brand"],
                "three_d_secure": None,
                "wallet": None,
            },
            "type": "card",
        }
    else:
        details = {method["type"]: dict.fromkeys(WALLETS[method["type"]].charge_details), "type": method["type"]}
    obj = {
        "id": new_id("ch_", 24),
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if succeeded and capture else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": intent["application_fee_amount"] if succeeded else None,
        "balance_transaction": None,
        "billing_details": copy.deepcopy(method["billing_details"]),
        "calculated_statement_descriptor": "MERCATO SANDBOX",
        "captured": succeeded and capture,
        "created": state.now(),
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure[0] if failure else None,
        "failure_message": failure[2] if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": None,
        "outcome": (
            {
                "advice_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "risk_score": 20,
                "seller_message": "Payment complete.",
                "type": "authorized",
            }
            if succeeded
            else {
                "advice_code": "try_again_later" if failure and failure[0] == "processing_error" else None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "declined_by_network",
                "reason": failure[1] or failure[0] if failure else None,
                "risk_level": "normal",
                "risk_score": 20,
                "seller_message": "The bank did not return any further details with this decline.",
                "type": "issuer_declined",
            }
        ),
        "paid": succeeded,
        "payment_intent": intent["id"],
        "payment_method": method["id"],
        "payment_method_details": details,
        "receipt_email": intent["receipt_email"],
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if succeeded else "failed",
        "transfer": None,
        "transfer_data": copy.deepcopy(intent["transfer_data"]),
        "transfer_group": intent["transfer_group"],
    }
    return state.add(obj, account)


def refund(
    state: State, account: str | None, *, charge_obj: dict[str, Any], amount: int, reason: str | None
) -> dict[str, Any]:
    obj = {
        "id": new_id("re_", 24),
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge_obj["id"],
        "created": state.now(),
        "currency": charge_obj["currency"],
        "destination_details": {
            "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "metadata": {},
        "payment_intent": charge_obj["payment_intent"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    return state.add(obj, account)


# --- Connect ------------------------------------------------------------------------------------------------


def account(state: State, **fields: Any) -> dict[str, Any]:
    """A connected account; it starts unable to take payments until onboarding (an account link) completes."""
    obj = {
        "id": new_id("acct_", 16),
        "object": "account",
        "business_profile": {
            "mcc": None,
            "name": None,
            "product_description": None,
            "support_address": None,
            "support_email": None,
            "support_phone": None,
            "support_url": None,
            "url": None,
        },
        "business_type": None,
        "capabilities": {},
        "charges_enabled": False,
        "country": "US",
        "created": state.now(),
        "default_currency": "usd",
        "details_submitted": False,
        "email": None,
        "metadata": {},
        "payouts_enabled": False,
        "requirements": {
            "alternatives": [],
            "current_deadline": None,
            "currently_due": ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"],
            "disabled_reason": "requirements.past_due",
            "errors": [],
            "eventually_due": ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"],
            "past_due": ["external_account", "tos_acceptance.date", "tos_acceptance.ip"],
            "pending_verification": [],
        },
        "settings": {
            "payouts": {"debit_negative_balances": True, "schedule": {"delay_days": 2, "interval": "daily"}},
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": "express",
    }
    obj.update(fields)
    return state.add(obj, None)


def transfer(
    state: State,
    *,
    amount: int,
    currency: str,
    destination: str,
    source_charge: str | None,
    transfer_group: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    transfer_id = new_id("tr_", 24)
    obj = {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": None,
        "created": state.now(),
        "currency": currency,
        "description": description,
        "destination": destination,
        "destination_payment": new_id("py_", 24),
        "livemode": False,
        "metadata": dict(metadata or {}),
        "reversals": list_envelope([], f"/v1/transfers/{transfer_id}/reversals"),
        "reversed": False,
        "source_transaction": source_charge,
        "source_type": "card",
        "transfer_group": transfer_group,
    }
    return state.add(obj, None)


def transfer_reversal(
    state: State, *, transfer_obj: dict[str, Any], amount: int, metadata: dict[str, str]
) -> dict[str, Any]:
    obj = {
        "id": new_id("trr_", 24),
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": None,
        "created": state.now(),
        "currency": transfer_obj["currency"],
        "destination_payment_refund": new_id("pyr_", 24),
        "metadata": dict(metadata),
        "source_refund": None,
        "transfer": transfer_obj["id"],
    }
    return state.add(obj, None)


def application_fee(
    state: State, *, amount: int, currency: str, connected_account: str, charge_id: str
) -> dict[str, Any]:
    fee_id = new_id("fee_", 24)
    obj = {
        "id": fee_id,
        "object": "application_fee",
        "account": connected_account,
        "amount": amount,
        "amount_refunded": 0,
        "application": "ca_sandbox",
        "balance_transaction": None,
        "charge": charge_id,
        "created": state.now(),
        "currency": currency,
        "fee_source": {"charge": charge_id, "payout": None, "type": "charge"},
        "livemode": False,
        "originating_transaction": None,
        "refunded": False,
        "refunds": list_envelope([], f"/v1/application_fees/{fee_id}/refunds"),
    }
    return state.add(obj, None)


# --- Billing ------------------------------------------------------------------------------------------------


def subscription_item(
    state: State, *, subscription_id: str, price_id: str, quantity: int, period: tuple[int, int]
) -> dict[str, Any]:
    """A subscription's line; stored inside the subscription, with its price rendered in full on the way out."""
    return {
        "id": new_id("si_", 14),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": state.now(),
        "current_period_end": period[1],
        "current_period_start": period[0],
        "discounts": [],
        "metadata": {},
        "price": price_id,
        "quantity": quantity,
        "subscription": subscription_id,
        "tax_rates": [],
    }


def subscription(
    state: State, account: str | None, *, customer_id: str, currency: str, **fields: Any
) -> dict[str, Any]:
    subscription_id = new_id("sub_", 24)
    now = state.now()
    obj: dict[str, Any] = {
        "id": subscription_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": now,
        "billing_cycle_anchor_config": None,
        # Flexible billing is the default for new subscriptions since 2025-09-30.clover.
        "billing_mode": {"flexible": {"proration_discounts": "included"}, "type": "flexible", "updated_at": now},
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "customer": customer_id,
        "days_until_due": None,
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": list_envelope([], f"/v1/subscription_items?subscription={subscription_id}"),
        "latest_invoice": None,
        "livemode": False,
        "metadata": {},
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": now,
        "status": "incomplete",
        "test_clock": None,
        "transfer_data": None,
        "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None,
    }
    obj.update(fields)
    return state.add(obj, account)


def _render_subscription(state: State, obj: dict[str, Any], data: dict[str, Any]) -> None:
    for item in data["items"]["data"]:
        price_obj = state.find(item["price"])
        if price_obj is not None:
            item["price"] = render(state, price_obj)
            item["plan"] = plan_from_price(price_obj)


def invoice(
    state: State,
    account: str | None,
    *,
    customer_obj: dict[str, Any],
    currency: str,
    billing_reason: str,
    subscription_id: str | None,
    subscription_metadata: dict[str, str] | None,
    period: tuple[int, int],
) -> dict[str, Any]:
    """A draft invoice with no lines yet; ``subscriptions.build_invoice`` adds them, ``finalize`` opens it."""
    invoice_id = new_id("in_", 24)
    now = state.now()
    obj = {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Mercato (Stripe sandbox)",
        "account_tax_ids": None,
        "amount_due": 0,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "confirmation_secret": None,
        "created": now,
        "currency": currency,
        "custom_fields": None,
        "customer": customer_obj["id"],
        "customer_address": None,
        "customer_email": customer_obj["email"],
        "customer_name": customer_obj["name"],
        "customer_phone": customer_obj["phone"],
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": list_envelope([], f"/v1/invoices/{invoice_id}/lines"),
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": (
            {
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(subscription_metadata or {}),
                    "subscription": subscription_id,
                },
                "type": "subscription_details",
            }
            if subscription_id
            else None
        ),
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "period_end": period[1],
        "period_start": period[0],
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "test_clock": None,
        "threshold_reason": None,
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": None,
        "_payments": [],
    }
    return state.add(obj, account)


def invoice_line(
    *,
    invoice_id: str,
    amount: int,
    currency: str,
    description: str,
    period: tuple[int, int],
    price_obj: dict[str, Any],
    quantity: int,
    subscription_id: str | None,
    subscription_item_id: str | None,
    invoice_item_id: str | None,
    proration: bool,
) -> dict[str, Any]:
    """An invoice line: from a subscription item (a period's charge) or from an invoice item (a proration)."""
    if invoice_item_id is not None:
        parent = {
            "invoice_item_details": {
                "invoice_item": invoice_item_id,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription_id,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        }
    else:
        parent = {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription_id,
                "subscription_item": subscription_item_id,
            },
            "type": "subscription_item_details",
        }
    return {
        "id": new_id("il_", 24),
        "object": "line_item",
        "amount": amount,
        "currency": currency,
        "description": description,
        "discount_amounts": [],
        "discountable": not proration,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": parent,
        "period": {"end": period[1], "start": period[0]},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": price_obj["id"], "product": price_obj["product"]},
            "type": "price_details",
            "unit_amount_decimal": price_obj["unit_amount_decimal"],
        },
        "quantity": quantity,
        "subscription": subscription_id,
        "subtotal": amount,
        "taxes": [],
    }


def invoice_item(
    state: State,
    account: str | None,
    *,
    customer_id: str,
    amount: int,
    price_obj: dict[str, Any],
    quantity: int,
    description: str,
    period: tuple[int, int],
    proration: bool,
    subscription_id: str | None,
    subscription_item_id: str | None,
) -> dict[str, Any]:
    """A pending charge or credit (prorations, one-time extras) that the customer's next invoice picks up."""
    obj = {
        "id": new_id("ii_", 24),
        "object": "invoiceitem",
        "amount": amount,
        "currency": price_obj["currency"],
        "customer": customer_id,
        "date": state.now(),
        "description": description,
        "discountable": not proration,
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": {},
        "net_amount": amount,
        "parent": (
            {
                "subscription_details": {"subscription": subscription_id, "subscription_item": subscription_item_id},
                "type": "subscription_details",
            }
            if subscription_id
            else None
        ),
        "period": {"end": period[1], "start": period[0]},
        "pricing": {
            "price_details": {"price": price_obj["id"], "product": price_obj["product"]},
            "type": "price_details",
            "unit_amount_decimal": price_obj["unit_amount_decimal"],
        },
        "proration": proration,
        "proration_details": {"discount_amounts": []},
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "tax_rates": [],
        "test_clock": None,
    }
    return state.add(obj, account)


def invoice_payment(
    state: State, account: str | None, *, invoice_obj: dict[str, Any], intent_id: str
) -> dict[str, Any]:
    obj = {
        "id": new_id("inpay_", 24),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": invoice_obj["amount_remaining"],
        "created": state.now(),
        "currency": invoice_obj["currency"],
        "invoice": invoice_obj["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"charge": None, "payment_intent": intent_id, "payment_record": None, "type": "payment_intent"},
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    }
    return state.add(obj, account)


def _include_invoice_payments(state: State, source: dict[str, Any]) -> dict[str, Any]:
    payments = [state.objects[payment_id] for payment_id in reversed(source["_payments"])]
    return list_envelope([render(state, payment) for payment in payments], f"/v1/invoices/{source['id']}/payments")


# --- Checkout and the billing portal ------------------------------------------------------------------------


def checkout_line_item(state: State, *, price_obj: dict[str, Any], quantity: int, description: str) -> dict[str, Any]:
    amount = price_obj["unit_amount"] * quantity
    return {
        "id": new_id("li_", 24),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": price_obj["currency"],
        "description": description,
        "price": price_obj["id"],
        "quantity": quantity,
    }


def render_checkout_line_item(state: State, item: dict[str, Any]) -> dict[str, Any]:
    data = public(item)
    price_obj = state.find(item["price"])
    if price_obj is not None:
        data["price"] = render(state, price_obj)
    return data


def _include_checkout_line_items(state: State, source: dict[str, Any]) -> dict[str, Any]:
    return list_envelope(
        [render_checkout_line_item(state, item) for item in source["_line_items"]],
        f"/v1/checkout/sessions/{source['id']}/line_items",
    )


def checkout_session(state: State, account: str | None, **fields: Any) -> dict[str, Any]:
    obj = {
        "id": new_id("cs_test_", 58),
        "object": "checkout.session",
        "adaptive_pricing": None,
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": 0,
        "amount_total": 0,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": None,
        "client_reference_id": None,
        "client_secret": None,
        "consent": None,
        "consent_collection": None,
        "created": state.now(),
        "currency": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_creation": None,
        "customer_details": None,
        "customer_email": None,
        "discounts": [],
        "expires_at": state.now() + 24 * 3600,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": None,
        "metadata": {},
        "mode": "payment",
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "always",
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": None,
        "subscription": None,
        "success_url": None,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",
        "url": None,
    }
    obj.update(fields)
    return state.add(obj, account)


def portal_session(
    state: State, account: str | None, *, customer_id: str, return_url: str | None, base_url: str
) -> dict[str, Any]:
    session_id = new_id("bps_", 24)
    obj = {
        "id": session_id,
        "object": "billing_portal.session",
        "configuration": "bpc_sandbox_default",
        "created": state.now(),
        "customer": customer_id,
        "flow": None,
        "livemode": False,
        "locale": None,
        "on_behalf_of": None,
        "return_url": return_url,
        "url": f"{base_url}/p/session/{session_id}",
    }
    return state.add(obj, account)


def webhook_endpoint(
    state: State, *, url: str, enabled_events: list[str], connect: bool, **fields: Any
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": new_id("we_", 24),
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": state.now(),
        "description": None,
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": url,
        "_secret": new_id("whsec_", 32),
        "_connect": connect,
    }
    obj.update(fields)
    return state.add(obj, None)


def deleted(obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": obj["id"], "object": obj["object"], "deleted": True}


def emit(
    state: State, event_type: str, obj: dict[str, Any], *, previous_attributes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Record an event about an object, in the account that owns it, with the object as it is now."""
    owner = obj["_account"]
    if obj["object"] == "account":
        # Stripe reports a connected account's own changes to Connect endpoints, as an event of that account.
        owner = obj["id"]
    return state.emit(event_type, render(state, obj), account=owner, previous_attributes=previous_attributes)


def snapshot(state: State, obj: dict[str, Any]) -> dict[str, Any]:
    """The rendered object before a change, for the ``previous_attributes`` of an ``*.updated`` event."""
    return render(state, obj)


def changes(state: State, before: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    """Stripe's ``previous_attributes``: the earlier value of every top-level field that changed."""
    after = render(state, obj)
    return {key: value for key, value in before.items() if after.get(key) != value}


_RENDER_HOOKS = {"subscription": _render_subscription}
_INCLUDABLE: dict[tuple[str | None, str], Callable[[State, dict[str, Any]], dict[str, Any]]] = {
    ("checkout.session", "line_items"): _include_checkout_line_items,
    ("invoice", "payments"): _include_invoice_payments,
}
