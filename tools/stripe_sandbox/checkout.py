"""What the hosted pages do: complete a Checkout Session, act in the billing portal, finish Connect onboarding."""

from __future__ import annotations

from typing import Any

from . import objects, payments, subscriptions
from .objects import changes, emit, snapshot
from .payments import Failure
from .state import State


def _customer_for(state: State, session: dict[str, Any], *, email: str, name: str | None) -> dict[str, Any] | None:
    """The session's customer, made from what was typed when Checkout has to create one."""
    if session["customer"]:
        return state.objects[session["customer"]]
    if session["mode"] == "subscription" or session["customer_creation"] == "always":
        customer = objects.customer(state, session["_account"], email=email, name=name)
        emit(state, "customer.created", customer)
        session["customer"] = customer["id"]
        return customer
    return None


def _complete(state: State, session: dict[str, Any], *, email: str, name: str | None, status: str) -> None:
    session["status"] = "complete"
    session["payment_status"] = status
    session["url"] = None
    session["customer_details"] = {
        "address": None,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }
    emit(state, "checkout.session.completed", session)


def pay_session(
    state: State,
    session: dict[str, Any],
    *,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str | None,
    email: str,
    name: str | None,
) -> Failure | None:
    """Pay (or subscribe) with a test card as the hosted page's form does; a decline leaves the session open.

    Card errors for numbers Stripe would refuse outright (incorrect, live cards, unattachable declines) are raised
    as StripeError for the page to show.
    """
    account = session["_account"]
    if session["customer"]:
        email = state.objects[session["customer"]]["email"] or email
    method = payments.card_method(
        state, account, number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, name=name, email=email
    )
    if session["mode"] == "payment":
        return _pay_once(state, session, method, email=email, name=name)
    return _subscribe(state, session, method, email=email, name=name)


def _pay_once(
    state: State, session: dict[str, Any], method: dict[str, Any], *, email: str, name: str | None
) -> Failure | None:
    data = session["_payment_intent_data"]
    intent = state.objects.get(session["_intent"]) if session.get("_intent") else None
    # Checkout makes a customer only for a payment that goes through; a declined attempt leaves none behind.
    if payments.failure_for(method) is None:
        customer = _customer_for(state, session, email=email, name=name)
    else:
        customer = state.objects.get(session["customer"]) if session["customer"] else None
    if intent is not None and customer is not None and intent["customer"] is None:
        intent["customer"] = customer["id"]
    if intent is None:
        intent = _session_intent(
            state,
            session,
            customer=customer,
            email=email,
            setup_future_usage=data.get("setup_future_usage"),
            capture_method=data.get("capture_method", "automatic_async"),
        )
        session["_intent"] = intent["id"]
    intent["payment_method"] = method["id"]
    failure = payments.confirm(state, intent, method)
    if failure is not None:
        return failure
    session["payment_intent"] = intent["id"]
    _complete(state, session, email=email, name=name, status="paid")
    return None


def _session_intent(
    state: State, session: dict[str, Any], *, customer: dict[str, Any] | None, email: str, **fields: Any
) -> dict[str, Any]:
    """A PaymentIntent for the session's total, made as its ``payment_intent_data`` asks, with ``fields`` on top."""
    data = session["_payment_intent_data"]
    return payments.create_intent(
        state,
        session["_account"],
        amount=session["amount_total"],
        currency=session["currency"],
        customer=customer["id"] if customer else None,
        description=data.get("description"),
        metadata=dict(data.get("metadata", {})),
        application_fee_amount=data.get("application_fee_amount"),
        transfer_data=data.get("transfer_data"),
        transfer_group=data.get("transfer_group"),
        receipt_email=email,
        **fields,
    )


def choose_wallet(state: State, session: dict[str, Any], *, method_type: str, email: str, name: str | None) -> None:
    """The buyer picked Alipay or WeChat Pay: the session completes unpaid and its payment waits for the wallet.

    ``checkout.session.completed`` goes out now with ``payment_status`` "unpaid"; the wallet's answer
    (``answer_wallet``) follows as ``checkout.session.async_payment_succeeded`` or ``…_failed``. An integration
    that took the first event as paid would ship unpaid orders.
    """
    customer = _customer_for(state, session, email=email, name=name)
    intent = _session_intent(state, session, customer=customer, email=email, capture_method="automatic_async")
    method = objects.wallet_payment_method(
        state, session["_account"], method_type=method_type, billing_name=name, billing_email=email
    )
    intent["payment_method"] = method["id"]
    intent["payment_method_types"] = [method_type]
    intent["status"] = "requires_action"
    session["_intent"] = intent["id"]
    session["payment_intent"] = intent["id"]
    session["_wallet"] = {"type": method_type, "method": method["id"]}
    _complete(state, session, email=email, name=name, status="unpaid")


def answer_wallet(state: State, session: dict[str, Any], *, approve: bool) -> None:
    """The wallet's answer: the payment succeeds (the session becomes paid) or fails (it stays unpaid)."""
    wallet = session.pop("_wallet")
    intent = state.objects[session["_intent"]]
    intent["status"] = "requires_confirmation"
    failure = payments.confirm(state, intent, state.objects[wallet["method"]], forced_failure=not approve)
    if failure is None:
        session["payment_status"] = "paid"
        emit(state, "checkout.session.async_payment_succeeded", session)
    else:
        emit(state, "checkout.session.async_payment_failed", session)


def _subscribe(
    state: State, session: dict[str, Any], method: dict[str, Any], *, email: str, name: str | None
) -> Failure | None:
    data = session["_subscription_data"]
    trial_end = data.get("trial_end")
    if trial_end is None and data.get("trial_period_days"):
        trial_end = state.now() + data["trial_period_days"] * subscriptions.DAY
    # Checkout creates the customer and the subscription only once the card is saved and, without a trial, the
    # first payment went through.
    failure = payments.attach_failure(method)
    if failure is None and trial_end is None and session["amount_total"] > 0:
        failure = payments.failure_for(method)
    if failure is not None:
        return failure
    customer = _customer_for(state, session, email=email, name=name)
    assert customer is not None
    payments.attach(state, method, customer)
    items: list[tuple[dict[str, Any], int, dict[str, str]]] = []
    extra: list[tuple[dict[str, Any], int]] = []
    for line in session["_line_items"]:
        price_obj = state.objects[line["price"]]
        if price_obj["recurring"]:
            items.append((price_obj, line["quantity"], {}))
        else:
            extra.append((price_obj, line["quantity"]))
    sub = subscriptions.create(
        state,
        session["_account"],
        customer=customer,
        items=items,
        trial_end=trial_end,
        default_payment_method=method,
        payment_behavior="allow_incomplete",
        metadata=dict(data.get("metadata", {})),
        description=data.get("description"),
        cancel_at_period_end=False,
        application_fee_percent=data.get("application_fee_percent"),
        transfer_data=data.get("transfer_data"),
        extra_items=extra,
    )
    session["subscription"] = sub["id"]
    session["invoice"] = sub["latest_invoice"]
    invoice = state.objects[sub["latest_invoice"]]
    _complete(
        state, session, email=email, name=name, status="paid" if invoice["amount_paid"] > 0 else "no_payment_required"
    )
    return None


# --- Billing portal -----------------------------------------------------------------------------------------


def portal_cancel(state: State, sub: dict[str, Any], *, cancel: bool) -> None:
    """The portal's cancel button: cancel at the end of the period (or undo that), as Stripe's default portal does."""
    before = snapshot(state, sub)
    subscriptions.request_cancel_at_period_end(state, sub, cancel)
    if cancel:
        sub["cancellation_details"]["feedback"] = None
    emit(state, "customer.subscription.updated", sub, previous_attributes=changes(state, before, sub))


def portal_update_card(
    state: State,
    customer: dict[str, Any],
    *,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str | None,
    name: str | None,
) -> dict[str, Any]:
    """Save a new card as the customer's default, and the default of their live subscriptions."""
    method = payments.card_method(
        state, customer["_account"], number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, name=name
    )
    payments.attach(state, method, customer)
    before = snapshot(state, customer)
    customer["invoice_settings"]["default_payment_method"] = method["id"]
    emit(state, "customer.updated", customer, previous_attributes=changes(state, before, customer))
    for sub in state.all("subscription", customer["_account"]):
        live = sub["status"] not in ("canceled", "incomplete_expired")
        if sub["customer"] == customer["id"] and live and sub["default_payment_method"] is not None:
            before = snapshot(state, sub)
            sub["default_payment_method"] = method["id"]
            emit(state, "customer.subscription.updated", sub, previous_attributes=changes(state, before, sub))
    return method


# --- Connect onboarding -------------------------------------------------------------------------------------


def complete_onboarding(state: State, account: dict[str, Any], *, business_url: str | None) -> None:
    """What finishing Stripe's hosted onboarding does: details submitted, charges and payouts enabled."""
    before = snapshot(state, account)
    requested = account.get("_requested_capabilities") or ["card_payments", "transfers"]
    account["capabilities"] = {name: "active" for name in requested}
    account["charges_enabled"] = True
    account["payouts_enabled"] = True
    account["details_submitted"] = True
    if business_url:
        account["business_profile"]["url"] = business_url
    account["requirements"].update(
        {"currently_due": [], "disabled_reason": None, "eventually_due": [], "past_due": [], "current_deadline": None}
    )
    account["tos_acceptance"] = {"date": state.now(), "ip": "127.0.0.1", "user_agent": "Stripe sandbox"}
    emit(state, "account.updated", account, previous_attributes=changes(state, before, account))
