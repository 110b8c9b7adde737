"""Subscriptions and their invoices: trials, renewals, prorations, dunning and cancellation, driven by the clock.

Stripe finalizes a renewal invoice about an hour after the period starts and then charges it; the sandbox does
both at the period boundary, so one clock advance gives the whole renewal (its events included).
"""

from __future__ import annotations

import calendar
import datetime
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from . import metering as meters
from . import objects, payments
from .errors import StripeError, invalid
from .objects import changes, emit, snapshot
from .payments import Failure
from .state import State

DAY = 86400
TRIAL_WILL_END_NOTICE = 3 * DAY
INCOMPLETE_EXPIRES_AFTER = 23 * 3600

# Stripe writes quantities as "2 \u00d7 Pro" (a multiplication sign); the escape keeps the source ASCII.
TIMES = "\u00d7"

NO_PAYMENT_METHOD = (
    "This customer has no attached payment source or default payment method. Please consider adding a default "
    "payment method. For more information, visit "
    "https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority."
)


# --- Periods ------------------------------------------------------------------------------------------------


def shift(anchor: int, interval: str, count: int) -> int:
    """``anchor`` moved by ``count`` intervals; months keep the anchor's day where the month has it (31 → 28)."""
    moment = datetime.datetime.fromtimestamp(anchor, datetime.UTC)
    if interval == "day":
        return anchor + count * DAY
    if interval == "week":
        return anchor + count * 7 * DAY
    months = count * (12 if interval == "year" else 1)
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def next_period_end(anchor: int, start: int, recurring: dict[str, Any]) -> int:
    """The first billing boundary after ``start`` counted from the subscription's anchor."""
    step = 1
    while True:
        end = shift(anchor, recurring["interval"], recurring["interval_count"] * step)
        if end > start:
            return end
        step += 1


def _items(sub: dict[str, Any]) -> list[dict[str, Any]]:
    return sub["items"]["data"]


def period_of(sub: dict[str, Any]) -> tuple[int, int]:
    first = _items(sub)[0]
    return first["current_period_start"], first["current_period_end"]


def _set_period(sub: dict[str, Any], period: tuple[int, int]) -> None:
    for item in _items(sub):
        item["current_period_start"], item["current_period_end"] = period


def _recurring(state: State, sub: dict[str, Any]) -> dict[str, Any]:
    return state.objects[_items(sub)[0]["price"]]["recurring"]


def _product_name(state: State, price_obj: dict[str, Any]) -> str:
    product = state.find(price_obj["product"])
    return product["name"] if product else price_obj["product"]


def _quantified(quantity: int, name: str) -> str:
    return name if quantity == 1 else f"{quantity} {TIMES} {name}"


# --- Invoices -----------------------------------------------------------------------------------------------


def _totals(invoice: dict[str, Any]) -> None:
    total = sum(line["amount"] for line in invoice["lines"]["data"])
    invoice.update({"subtotal": total, "subtotal_excluding_tax": total, "total": total, "total_excluding_tax": total})


def build_invoice(
    state: State,
    sub: dict[str, Any],
    *,
    billing_reason: str,
    period: tuple[int, int],
    line_period: tuple[int, int],
    bill_items: bool,
    trial: bool = False,
) -> dict[str, Any]:
    """A draft invoice for a subscription: its items for ``line_period`` (when billed) plus pending invoice items.

    Like Stripe's, the invoice's own ``period_start``/``period_end`` cover the period that just ended, while the
    lines carry the period being paid for.
    """
    customer = state.objects[sub["customer"]]
    invoice = objects.invoice(
        state,
        sub["_account"],
        customer_obj=customer,
        currency=sub["currency"],
        billing_reason=billing_reason,
        subscription_id=sub["id"],
        subscription_metadata=sub["metadata"],
        period=period,
    )
    lines = invoice["lines"]["data"]
    if bill_items:
        for item in _items(sub):
            price_obj = state.objects[item["price"]]
            name = _product_name(state, price_obj)
            recurring = price_obj["recurring"]
            every = (
                recurring["interval"]
                if recurring["interval_count"] == 1
                else f"every {recurring['interval_count']} {recurring['interval']}s"
            )
            unit = payments.money(price_obj["unit_amount"], price_obj["currency"])
            description = (
                f"Trial period for {name}" if trial else f"{item['quantity']} {TIMES} {name} (at {unit} / {every})"
            )
            quantity, amount = item["quantity"], 0 if trial else price_obj["unit_amount"] * item["quantity"]
            if meters.is_metered(price_obj):
                if trial:
                    continue  # usage waits for the first invoice after the trial
                quantity, amount, description = meters.usage_line(state, sub, item, price_obj, invoice["id"], name)
            lines.append(
                objects.invoice_line(
                    invoice_id=invoice["id"],
                    amount=amount,
                    currency=price_obj["currency"],
                    description=description,
                    period=line_period,
                    price_obj=price_obj,
                    quantity=quantity,
                    subscription_id=sub["id"],
                    subscription_item_id=item["id"],
                    invoice_item_id=None,
                    proration=False,
                )
            )
    pending = [
        item
        for item in state.all("invoiceitem", sub["_account"])
        if item["invoice"] is None
        and item["customer"] == sub["customer"]
        and (item["parent"] is None or item["parent"]["subscription_details"]["subscription"] == sub["id"])
    ]
    for item in sorted(pending, key=lambda item: item["_seq"]):
        item["invoice"] = invoice["id"]
        lines.append(
            objects.invoice_line(
                invoice_id=invoice["id"],
                amount=item["amount"],
                currency=item["currency"],
                description=item["description"],
                period=(item["period"]["start"], item["period"]["end"]),
                price_obj=state.objects[item["pricing"]["price_details"]["price"]],
                quantity=item["quantity"],
                subscription_id=sub["id"],
                subscription_item_id=None,
                invoice_item_id=item["id"],
                proration=item["proration"],
            )
        )
    _totals(invoice)
    sub["latest_invoice"] = invoice["id"]
    emit(state, "invoice.created", invoice)
    return invoice


def finalize(state: State, invoice: dict[str, Any]) -> None:
    """Open the invoice, applying the customer's credit balance; an invoice with nothing to pay is paid at once."""
    customer = state.objects[invoice["customer"]]
    now = state.now()
    starting = customer["balance"]
    net = invoice["total"] + starting
    invoice["starting_balance"] = starting
    invoice["amount_due"] = max(net, 0)
    invoice["amount_remaining"] = invoice["amount_due"]
    invoice["ending_balance"] = min(net, 0)
    invoice["status"] = "open"
    # Like Stripe, a draft has no number; the customer's sequence is used up when the invoice is finalized.
    invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    customer["next_invoice_sequence"] += 1
    invoice["effective_at"] = now
    invoice["status_transitions"]["finalized_at"] = now
    invoice["hosted_invoice_url"] = f"{state.base_url}/i/{invoice['id']}"
    if customer["balance"] != invoice["ending_balance"]:
        before = snapshot(state, customer)
        customer["balance"] = invoice["ending_balance"]
        emit(state, "customer.updated", customer, previous_attributes=changes(state, before, customer))
    emit(state, "invoice.finalized", invoice)
    if invoice["amount_due"] == 0:
        _mark_paid(state, invoice)


def _mark_paid(state: State, invoice: dict[str, Any]) -> None:
    invoice["status"] = "paid"
    invoice["amount_paid"] = invoice["amount_due"]
    invoice["amount_remaining"] = 0
    invoice["next_payment_attempt"] = None
    invoice["status_transitions"]["paid_at"] = state.now()
    emit(state, "invoice.paid", invoice)
    emit(state, "invoice.payment_succeeded", invoice)


def _payment_method_for(
    state: State, customer_id: str, sub: dict[str, Any] | None, invoice: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Stripe's order: the invoice's default, then the subscription's, then the customer's."""
    for method_id in (
        invoice["default_payment_method"] if invoice else None,
        sub["default_payment_method"] if sub else None,
        state.objects[customer_id]["invoice_settings"]["default_payment_method"],
    ):
        if method_id and method_id in state.objects:
            return state.objects[method_id]
    return None


def _subscription_of(state: State, invoice: dict[str, Any]) -> dict[str, Any] | None:
    parent = invoice["parent"]
    return state.objects.get(parent["subscription_details"]["subscription"]) if parent else None


def _open_intent(state: State, invoice: dict[str, Any], sub: dict[str, Any] | None) -> dict[str, Any]:
    """The invoice's PaymentIntent; retries reuse it, as Stripe's invoices do."""
    for payment_id in reversed(invoice["_payments"]):
        intent = state.objects[state.objects[payment_id]["payment"]["payment_intent"]]
        if intent["status"] in ("requires_payment_method", "requires_confirmation"):
            return intent
    amount = invoice["amount_remaining"]
    fee = None
    transfer_data = None
    if sub is not None:
        if sub["application_fee_percent"] is not None:
            fee = round(amount * sub["application_fee_percent"] / 100)
        if sub["transfer_data"] is not None:
            percent = sub["transfer_data"]["amount_percent"]
            transfer_data = {
                "amount": round(amount * percent / 100) if percent is not None else None,
                "destination": sub["transfer_data"]["destination"],
            }
    reasons = {
        "subscription_create": "Subscription creation",
        "subscription_cycle": "Subscription cycle",
        "subscription_update": "Subscription update",
    }
    intent = payments.create_intent(
        state,
        invoice["_account"],
        amount=amount,
        currency=invoice["currency"],
        customer=invoice["customer"],
        description=reasons.get(invoice["billing_reason"], "Invoice payment"),
        application_fee_amount=fee,
        transfer_data=transfer_data,
    )
    payment = objects.invoice_payment(state, invoice["_account"], invoice_obj=invoice, intent_id=intent["id"])
    invoice["_payments"].append(payment["id"])
    return intent


def pay(
    state: State,
    invoice: dict[str, Any],
    *,
    method: dict[str, Any] | None = None,
    forced_failure: bool = False,
    automatic: bool = False,
) -> Failure | None:
    """Attempt to collect an open invoice; a failure is recorded (attempt count, event) and returned.

    ``automatic`` attempts (renewals, dunning retries) schedule the next retry, so the ``invoice.payment_failed``
    event already says when it will be.
    """
    if invoice["status"] != "open":
        raise StripeError(f"Invoice is already {invoice['status']}", code="invoice_not_open", param="invoice")
    sub = _subscription_of(state, invoice)
    method = method or _payment_method_for(state, invoice["customer"], sub, invoice)
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    failure: Failure | None
    if method is None:
        failure = ("invoice_payment_intent_requires_action", None, NO_PAYMENT_METHOD)
    else:
        intent = _open_intent(state, invoice, sub)
        intent["payment_method"] = method["id"]
        failure = payments.confirm(state, intent, method, forced_failure=forced_failure)
        if failure is None:
            payment = next(
                state.objects[payment_id]
                for payment_id in invoice["_payments"]
                if state.objects[payment_id]["payment"]["payment_intent"] == intent["id"]
            )
            payment.update({"amount_paid": intent["amount_received"], "status": "paid"})
            payment["status_transitions"]["paid_at"] = state.now()
    if failure is None:
        _mark_paid(state, invoice)
        return None
    if automatic:
        schedule_retry(state, invoice)
    emit(state, "invoice.payment_failed", invoice)
    return failure


def schedule_retry(state: State, invoice: dict[str, Any]) -> None:
    """Set the next automatic attempt after a failed one; None once the retries are used up."""
    retries = state.dunning_retry_days
    attempts = invoice["attempt_count"]
    invoice["next_payment_attempt"] = state.now() + retries[attempts - 1] * DAY if attempts <= len(retries) else None


def _take_forced_failure(state: State, sub: dict[str, Any]) -> bool:
    for target in (sub["id"], None):
        if target in state.fail_next_renewal:
            state.fail_next_renewal.remove(target)
            return True
    return False


# --- Subscription lifecycle ---------------------------------------------------------------------------------


def create(
    state: State,
    account: str | None,
    *,
    customer: dict[str, Any],
    items: list[tuple[dict[str, Any], int, dict[str, str]]],
    trial_end: int | None,
    default_payment_method: dict[str, Any] | None,
    payment_behavior: str,
    metadata: dict[str, str],
    description: str | None,
    cancel_at_period_end: bool,
    application_fee_percent: float | None,
    transfer_data: dict[str, Any] | None,
    extra_items: list[tuple[dict[str, Any], int]],
) -> dict[str, Any]:
    """Start a subscription the way Stripe does: trialing, or billed at once with ``payment_behavior``'s rules."""
    now = state.now()
    recurring = items[0][0]["recurring"]
    method = default_payment_method
    if method is None and customer["invoice_settings"]["default_payment_method"]:
        method = state.objects.get(customer["invoice_settings"]["default_payment_method"])
    first_amount = sum(price_obj["unit_amount"] * quantity for price_obj, quantity, _ in items) + sum(
        price_obj["unit_amount"] * quantity for price_obj, quantity in extra_items
    )
    needs_payment = trial_end is None and first_amount > 0
    if needs_payment and payment_behavior in ("allow_incomplete", "error_if_incomplete") and method is None:
        raise StripeError(NO_PAYMENT_METHOD, code="resource_missing", param="default_payment_method")
    if needs_payment and payment_behavior == "error_if_incomplete" and method is not None:
        failure = payments.failure_for(method)
        if failure is not None:
            raise payments.card_error(failure, payment_method=objects.render(state, method))

    sub = objects.subscription(
        state,
        account,
        customer_id=customer["id"],
        currency=items[0][0]["currency"],
        metadata=dict(metadata),
        description=description,
        default_payment_method=default_payment_method["id"] if default_payment_method else None,
        application_fee_percent=application_fee_percent,
        transfer_data=transfer_data,
    )
    if trial_end is not None:
        period = (now, trial_end)
        sub.update(
            {"status": "trialing", "trial_start": now, "trial_end": trial_end, "billing_cycle_anchor": trial_end}
        )
    else:
        period = (now, shift(now, recurring["interval"], recurring["interval_count"]))
    for price_obj, quantity, item_metadata in items:
        item = objects.subscription_item(
            state, subscription_id=sub["id"], price_id=price_obj["id"], quantity=quantity, period=period
        )
        item["metadata"].update(item_metadata)
        _items(sub).append(item)
    if cancel_at_period_end:
        request_cancel_at_period_end(state, sub, True)
    for price_obj, quantity in extra_items:
        objects.invoice_item(
            state,
            account,
            customer_id=customer["id"],
            amount=price_obj["unit_amount"] * quantity,
            price_obj=price_obj,
            quantity=quantity,
            description=_quantified(quantity, _product_name(state, price_obj)),
            period=(now, now),
            proration=False,
            subscription_id=sub["id"],
            subscription_item_id=None,
        )
    emit(state, "customer.subscription.created", sub)

    invoice = build_invoice(
        state,
        sub,
        billing_reason="subscription_create",
        period=(now, now),
        line_period=period,
        bill_items=True,
        trial=trial_end is not None,
    )
    finalize(state, invoice)
    if invoice["status"] == "open" and payment_behavior == "default_incomplete":
        # The first payment is confirmed later (by the customer, or by paying the invoice).
        intent = _open_intent(state, invoice, sub)
        invoice["confirmation_secret"] = {"client_secret": intent["client_secret"], "type": "payment_intent"}
    elif invoice["status"] == "open":
        pay(state, invoice, method=method)
    if invoice["status"] == "paid" and sub["status"] == "incomplete":
        _set_status(state, sub, "active")
    return sub


def _set_status(state: State, sub: dict[str, Any], status: str) -> None:
    before = snapshot(state, sub)
    sub["status"] = status
    emit(state, "customer.subscription.updated", sub, previous_attributes=changes(state, before, sub))


def request_cancel_at_period_end(state: State, sub: dict[str, Any], cancel: bool) -> None:
    """Schedule (or call off) the end of the subscription at its current period's end."""
    sub["cancel_at_period_end"] = cancel
    if cancel:
        sub["cancel_at"] = period_of(sub)[1]
        sub["canceled_at"] = state.now()
        sub["cancellation_details"]["reason"] = "cancellation_requested"
    else:
        sub["cancel_at"] = None
        sub["canceled_at"] = None
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}


def cancel_now(
    state: State,
    sub: dict[str, Any],
    *,
    reason: str,
    comment: str | None = None,
    feedback: str | None = None,
    keep_requested_at: bool = False,
) -> dict[str, Any]:
    """End the subscription now; ``keep_requested_at`` keeps ``canceled_at`` at when the cancel was asked for."""
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid(
            "A canceled subscription can only update its cancellation_details and metadata.", param="subscription"
        )
    now = state.now()
    sub["status"] = "canceled"
    sub["ended_at"] = now
    if not (keep_requested_at and sub["canceled_at"]):
        sub["canceled_at"] = now
    sub["cancellation_details"] = {"comment": comment, "feedback": feedback, "reason": reason}
    emit(state, "customer.subscription.deleted", sub)
    return sub


def _cycle(
    state: State, sub: dict[str, Any], *, start: int, billing_reason: str, before: dict[str, Any] | None = None
) -> None:
    """Begin a new billing period at ``start``: invoice it and try to collect, moving the status with the result."""
    before = before or snapshot(state, sub)
    previous_period = period_of(sub)
    if sub["status"] == "trialing":
        sub["billing_cycle_anchor"] = start
    end = next_period_end(sub["billing_cycle_anchor"], start, _recurring(state, sub))
    _set_period(sub, (start, end))
    invoice = build_invoice(
        state,
        sub,
        billing_reason=billing_reason,
        period=(previous_period[0], start),
        line_period=(start, end),
        bill_items=True,
    )
    finalize(state, invoice)
    status = sub["status"]
    if invoice["status"] == "open":
        failure = pay(state, invoice, forced_failure=_take_forced_failure(state, sub), automatic=True)
        status = "active" if failure is None else "past_due"
    elif status in ("trialing", "incomplete"):
        status = "active"
    sub["status"] = status
    emit(state, "customer.subscription.updated", sub, previous_attributes=changes(state, before, sub))


def end_trial(
    state: State,
    sub: dict[str, Any],
    *,
    billing_reason: str = "subscription_cycle",
    before: dict[str, Any] | None = None,
) -> None:
    if sub["status"] != "trialing":
        raise invalid("This subscription is not trialing.", param="trial_end")
    now = state.now()
    sub["trial_end"] = now
    missing_method = sub["trial_settings"]["end_behavior"]["missing_payment_method"]
    if missing_method == "cancel" and _payment_method_for(state, sub["customer"], sub) is None:
        # Stripe ends the subscription instead of invoicing a customer it has no way to charge.
        cancel_now(state, sub, reason="cancellation_requested")
        return
    _cycle(state, sub, start=now, billing_reason=billing_reason, before=before)


def retry(state: State, invoice: dict[str, Any]) -> None:
    """A scheduled dunning attempt: success revives the subscription, the last failure cancels it."""
    sub = _subscription_of(state, invoice)
    failure = pay(state, invoice, forced_failure=_take_forced_failure(state, sub) if sub else False, automatic=True)
    if failure is None:
        if sub is not None and sub["status"] == "past_due" and not _other_open_invoices(state, sub, invoice):
            _set_status(state, sub, "active")
        return
    if invoice["next_payment_attempt"] is None and sub is not None and sub["status"] == "past_due":
        cancel_now(state, sub, reason="payment_failed")


def _other_open_invoices(state: State, sub: dict[str, Any], invoice: dict[str, Any]) -> bool:
    return any(
        other["id"] != invoice["id"] and other["status"] == "open" and _subscription_of(state, other) is sub
        for other in state.all("invoice", sub["_account"])
    )


def after_manual_payment(state: State, invoice: dict[str, Any]) -> None:
    """An invoice paid through the API or a hosted page brings its subscription back to active."""
    sub = _subscription_of(state, invoice)
    if (
        sub is not None
        and sub["status"] in ("incomplete", "past_due")
        and not _other_open_invoices(state, sub, invoice)
    ):
        _set_status(state, sub, "active")


def expire_incomplete(state: State, sub: dict[str, Any]) -> None:
    before = snapshot(state, sub)
    now = state.now()
    for invoice in state.all("invoice", sub["_account"]):
        if invoice["status"] == "open" and _subscription_of(state, invoice) is sub:
            void(state, invoice)
    sub.update({"status": "incomplete_expired", "canceled_at": now, "ended_at": now})
    emit(state, "customer.subscription.updated", sub, previous_attributes=changes(state, before, sub))


def void(state: State, invoice: dict[str, Any]) -> dict[str, Any]:
    if invoice["status"] != "open":
        raise invalid(f"You can only void an open invoice, but this invoice is {invoice['status']}.", param="invoice")
    invoice["status"] = "void"
    invoice["next_payment_attempt"] = None
    invoice["status_transitions"]["voided_at"] = state.now()
    for payment_id in invoice["_payments"]:
        payment = state.objects[payment_id]
        intent = state.objects[payment["payment"]["payment_intent"]]
        if intent["status"] not in ("succeeded", "canceled"):
            payments.cancel(state, intent, "void_invoice")
            payment["status"] = "canceled"
            payment["status_transitions"]["canceled_at"] = state.now()
    emit(state, "invoice.voided", invoice)
    return invoice


# --- Changes through the API --------------------------------------------------------------------------------


def _proration_item(
    state: State,
    sub: dict[str, Any],
    *,
    price_obj: dict[str, Any],
    quantity: int,
    item_id: str,
    at: int,
    credit: bool,
) -> None:
    start, end = period_of(sub)
    fraction = (end - at) / (end - start) if end > start else 0
    amount = round(price_obj["unit_amount"] * quantity * fraction)
    if amount == 0:
        return
    name = _quantified(quantity, _product_name(state, price_obj))
    when = datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%d %b %Y")
    objects.invoice_item(
        state,
        sub["_account"],
        customer_id=sub["customer"],
        amount=-amount if credit else amount,
        price_obj=price_obj,
        quantity=quantity,
        description=f"{'Unused' if credit else 'Remaining'} time on {name} after {when}",
        period=(at, end),
        proration=True,
        subscription_id=sub["id"],
        subscription_item_id=item_id,
    )


def change_items(
    state: State,
    sub: dict[str, Any],
    *,
    changes_requested: list[dict[str, Any]],
    proration_behavior: str,
    proration_date: int | None,
    payment_behavior: str,
) -> None:
    """Apply item changes (new price, quantity, added or deleted items) with Stripe's proration rules.

    Same interval: unused time on the old items is credited and remaining time on the new ones charged, as
    pending invoice items for the next renewal (``create_prorations``), on an invoice now (``always_invoice``), or
    not at all (``none``). A different interval restarts the billing period and invoices it at once.
    """
    at = proration_date or state.now()
    old = {item["id"]: (item["price"], item["quantity"]) for item in _items(sub)}
    new_items = [dict(item) for item in _items(sub)]
    by_id = {item["id"]: item for item in new_items}
    for change in changes_requested:
        if change.get("id"):
            if change["id"] not in by_id:
                raise invalid(f"Subscription item {change['id']} is not on this subscription.", param="items[0][id]")
            item = by_id[change["id"]]
            if change.get("deleted"):
                new_items.remove(item)
                continue
            if change.get("price"):
                item["price"] = change["price"]["id"]
            if change.get("quantity") is not None:
                item["quantity"] = change["quantity"]
            item["metadata"] = {**item["metadata"], **change.get("metadata", {})}
        else:
            price_obj = change.get("price")
            if price_obj is None:
                raise invalid("You must specify a price for a new subscription item.", param="items")
            item = objects.subscription_item(
                state,
                subscription_id=sub["id"],
                price_id=price_obj["id"],
                quantity=change.get("quantity") or 1,
                period=period_of(sub),
            )
            new_items.append(item)
    if not new_items:
        raise invalid("A subscription must have at least one active item.", param="items")
    prices = [state.objects[item["price"]] for item in new_items]
    if any(price_obj["recurring"] is None for price_obj in prices):
        raise invalid(
            "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
            param="items",
        )
    if len({(p["currency"]) for p in prices}) > 1 or prices[0]["currency"] != sub["currency"]:
        raise invalid("Currency and interval fields must match across all plans on this subscription.", param="items")
    intervals = {(p["recurring"]["interval"], p["recurring"]["interval_count"]) for p in prices}
    if len(intervals) > 1:
        raise invalid("Currency and interval fields must match across all plans on this subscription.", param="items")
    old_recurring = _recurring(state, sub)
    interval_changed = intervals != {(old_recurring["interval"], old_recurring["interval_count"])}

    if payment_behavior == "error_if_incomplete" and (interval_changed or proration_behavior == "always_invoice"):
        method = _payment_method_for(state, sub["customer"], sub)
        failure = payments.failure_for(method) if method else None
        if failure is not None:
            raise payments.card_error(failure)

    trialing = sub["status"] == "trialing"
    if not trialing and proration_behavior != "none":
        new_by_id = {item["id"]: item for item in new_items}
        for item_id, (price_id, quantity) in old.items():
            kept = new_by_id.get(item_id)
            if kept is None or kept["price"] != price_id or kept["quantity"] != quantity or interval_changed:
                _proration_item(
                    state,
                    sub,
                    price_obj=state.objects[price_id],
                    quantity=quantity,
                    item_id=item_id,
                    at=at,
                    credit=True,
                )
        if not interval_changed:
            for item in new_items:
                previous = old.get(item["id"])
                if previous != (item["price"], item["quantity"]):
                    _proration_item(
                        state,
                        sub,
                        price_obj=state.objects[item["price"]],
                        quantity=item["quantity"],
                        item_id=item["id"],
                        at=at,
                        credit=False,
                    )
    sub["items"]["data"] = new_items
    if trialing:
        return
    if interval_changed:
        now = state.now()
        recurring = prices[0]["recurring"]
        sub["billing_cycle_anchor"] = now
        _set_period(sub, (now, shift(now, recurring["interval"], recurring["interval_count"])))
        if sub["cancel_at_period_end"]:
            sub["cancel_at"] = period_of(sub)[1]
        _invoice_now(state, sub, bill_items=True)
    elif proration_behavior == "always_invoice":
        _invoice_now(state, sub, bill_items=False)


def _invoice_now(state: State, sub: dict[str, Any], *, bill_items: bool) -> None:
    now = state.now()
    invoice = build_invoice(
        state,
        sub,
        billing_reason="subscription_update",
        period=(now, now),
        line_period=period_of(sub),
        bill_items=bill_items,
    )
    finalize(state, invoice)
    if invoice["status"] == "open":
        if pay(state, invoice, automatic=True) is None:
            if sub["status"] == "past_due":
                sub["status"] = "active"
        else:
            sub["status"] = "past_due"


def set_trial_end(state: State, sub: dict[str, Any], trial_end: int | str) -> None:
    """Move a running trial's end (``trial_end=now`` is ``end_trial``)."""
    if sub["status"] != "trialing":
        raise StripeError(
            "The sandbox can only change trial_end while the subscription is trialing.", param="trial_end"
        )
    assert isinstance(trial_end, int)
    if trial_end <= state.now():
        raise invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", param="trial_end")
    sub["trial_end"] = trial_end
    sub["billing_cycle_anchor"] = trial_end
    _set_period(sub, (period_of(sub)[0], trial_end))


# --- The clock ----------------------------------------------------------------------------------------------


def due_work(state: State) -> list[tuple[int, int, Callable[[], object]]]:
    """Everything the clock will make happen, as (when, order at the same moment, action)."""
    work: list[tuple[int, int, Callable[[], object]]] = []
    for sub in [obj for obj in state.objects.values() if obj["object"] == "subscription"]:
        status = sub["status"]
        if status == "trialing":
            notice_at = sub["trial_end"] - TRIAL_WILL_END_NOTICE
            if not sub.get("_trial_will_end_sent") and notice_at >= sub["trial_start"]:
                work.append((notice_at, 0, partial(_trial_will_end, state, sub)))
        if status in ("trialing", "active", "past_due") and sub["cancel_at"] is not None:
            work.append((sub["cancel_at"], 1, partial(_scheduled_cancel, state, sub)))
        if status == "trialing":
            work.append((sub["trial_end"], 2, partial(end_trial, state, sub)))
        elif status in ("active", "past_due"):
            end = period_of(sub)[1]
            work.append((end, 3, partial(_cycle, state, sub, start=end, billing_reason="subscription_cycle")))
        elif status == "incomplete":
            work.append((sub["created"] + INCOMPLETE_EXPIRES_AFTER, 4, partial(expire_incomplete, state, sub)))
    for invoice in [obj for obj in state.objects.values() if obj["object"] == "invoice"]:
        if invoice["status"] == "open" and invoice["next_payment_attempt"] is not None:
            work.append((invoice["next_payment_attempt"], 5, partial(retry, state, invoice)))
    for session in [obj for obj in state.objects.values() if obj["object"] == "checkout.session"]:
        if session["status"] == "open":
            work.append((session["expires_at"], 6, partial(expire_checkout, state, session)))
    return work


def _trial_will_end(state: State, sub: dict[str, Any]) -> None:
    sub["_trial_will_end_sent"] = True
    emit(state, "customer.subscription.trial_will_end", sub)


def _scheduled_cancel(state: State, sub: dict[str, Any]) -> None:
    details = sub["cancellation_details"]
    # Stripe keeps canceled_at at the time the cancellation was requested, not when it took effect.
    cancel_now(
        state,
        sub,
        reason=details["reason"] or "cancellation_requested",
        comment=details["comment"],
        feedback=details["feedback"],
        keep_requested_at=True,
    )


def expire_checkout(state: State, session: dict[str, Any]) -> dict[str, Any]:
    if session["status"] != "open":
        raise invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status '
            f'of "{session["status"]}".',
            param="session",
        )
    session["status"] = "expired"
    session["url"] = None
    emit(state, "checkout.session.expired", session)
    return session


def run_due(state: State, until: int) -> int:
    """Replay everything due up to ``until`` in time order, each at its own moment; returns how many ran."""
    ran = 0
    with state.lock:
        try:
            while ran < 100_000:
                work = [entry for entry in due_work(state) if entry[0] <= until]
                if not work:
                    break
                when, _, action = min(work, key=lambda entry: (entry[0], entry[1]))
                state.frozen_now = max(when, state.frozen_now or 0)
                action()
                ran += 1
        finally:
            state.frozen_now = None
        if ran:
            state.dirty = True
    return ran


def advance(state: State, seconds: int) -> int:
    """Move the clock forward, running what falls due on the way (trial ends, renewals, retries, expiries)."""
    with state.lock:
        target = state.now() + seconds
        ran = run_due(state, target)
        state.clock_offset = target - int(time.time())
        state.dirty = True
        return ran
