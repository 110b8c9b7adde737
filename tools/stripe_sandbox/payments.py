"""Cards and money movement: Stripe's test cards, PaymentMethods, PaymentIntents, charges, refunds, Connect funds."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from . import objects
from .errors import StripeError, invalid
from .objects import changes, emit, render, snapshot
from .state import State
from .wallets import WALLETS

Failure = tuple[str, str | None, str]  # (error code, decline code, message), as Stripe reports a declined card

DECLINED: Failure = ("card_declined", "generic_decline", "Your card was declined.")
# The buyer turned the payment down in Alipay or WeChat Pay, or it timed out there.
WALLET_DECLINED: Failure = (
    "payment_intent_authentication_failure",
    None,
    "The payment was not authorized in the wallet app. Try again or choose another payment method.",
)


@dataclass(frozen=True)
class TestCard:
    brand: str
    funding: str
    # A card with a failure declines every charge; unless ``attachable``, it can't even be saved to a customer.
    failure: Failure | None = None
    attachable: bool = True


# Stripe's documented test numbers (docs.stripe.com/testing), so a flow tried here behaves the same in test mode.
TEST_CARDS: dict[str, TestCard] = {
    "4242424242424242": TestCard("visa", "credit"),
    "4000056655665556": TestCard("visa", "debit"),
    "5555555555554444": TestCard("mastercard", "credit"),
    "378282246310005": TestCard("amex", "credit"),
    "4000000000000002": TestCard("visa", "credit", DECLINED, attachable=False),
    "4000000000009995": TestCard(
        "visa", "credit", ("card_declined", "insufficient_funds", "Your card has insufficient funds."), False
    ),
    "4000000000009987": TestCard("visa", "credit", ("card_declined", "lost_card", "Your card was declined."), False),
    "4000000000009979": TestCard("visa", "credit", ("card_declined", "stolen_card", "Your card was declined."), False),
    "4000000000000069": TestCard("visa", "credit", ("expired_card", None, "Your card has expired."), False),
    "4000000000000127": TestCard(
        "visa", "credit", ("incorrect_cvc", None, "Your card's security code is incorrect."), False
    ),
    "4000000000000119": TestCard(
        "visa",
        "credit",
        ("processing_error", None, "An error occurred while processing your card. Try again in a little bit."),
        False,
    ),
    # Saving it to a customer works; every later charge is declined (a renewal that fails).
    "4000000000000341": TestCard("visa", "credit", DECLINED, attachable=True),
}

# Stripe's test PaymentMethod (`pm_card_...`) and token (`tok_...`) names and the numbers they stand for.
TEST_CARD_NAMES: dict[str, str] = {
    "visa": "4242424242424242",
    "visa_debit": "4000056655665556",
    "mastercard": "5555555555554444",
    "amex": "378282246310005",
    "chargeDeclined": "4000000000000002",
    "visa_chargeDeclined": "4000000000000002",
    "visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "visa_chargeDeclinedLostCard": "4000000000009987",
    "visa_chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedExpiredCard": "4000000000000069",
    "chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedProcessingError": "4000000000000119",
    "chargeCustomerFail": "4000000000000341",
    "visa_chargeCustomerFail": "4000000000000341",
}

# What Checkout in payment mode takes here: cards, and the wallets in the currencies they're presented in.
CHECKOUT_METHOD_TYPES = ("card", *WALLETS)

_CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "$", "aud": "$", "cny": "¥"}


def money(amount: int, currency: str) -> str:
    """An amount in the smallest unit as people read it: ``$1,234.50``, or ``12.00 SEK`` without a symbol."""
    symbol = _CURRENCY_SYMBOLS.get(currency)
    sign = "-" if amount < 0 else ""
    value = f"{abs(amount) / 100:,.2f}"
    return f"{sign}{symbol}{value}" if symbol else f"{sign}{value} {currency.upper()}"


def card_error(failure: Failure, **extra: Any) -> StripeError:
    code, decline_code, message = failure
    return StripeError(message, status=402, type="card_error", code=code, decline_code=decline_code, extra=extra)


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def test_card(number: str) -> TestCard:
    """The behaviour of a card number, or the card error Stripe's test mode gives for a number it won't take."""
    if not number.isdigit() or not 13 <= len(number) <= 19 or not _luhn_valid(number):
        raise card_error(("incorrect_number", None, "Your card number is incorrect."), param="number")
    card = TEST_CARDS.get(number)
    if card is None:
        raise card_error(
            (
                "card_declined",
                "test_mode_live_card",
                "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list "
                "of valid test cards, visit: https://stripe.com/docs/testing.",
            )
        )
    return card


def card_method(
    state: State,
    account: str | None,
    *,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str | None = None,
    name: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    """A card PaymentMethod from a test number, as the hosted checkout page or a test token makes one."""
    card = test_card(number)
    if not 1 <= exp_month <= 12:
        raise card_error(("invalid_expiry_month", None, "Your card's expiration month is invalid."), param="exp_month")
    if exp_year < 100:
        exp_year += 2000
    if exp_year < state_year(state):
        raise card_error(("invalid_expiry_year", None, "Your card's expiration year is invalid."), param="exp_year")
    return objects.payment_method(
        state,
        account,
        brand=card.brand,
        funding=card.funding,
        last4=number[-4:],
        exp_month=exp_month,
        exp_year=exp_year,
        number=number,
        cvc_provided=bool(cvc),
        billing_name=name,
        billing_email=email,
    )


def state_year(state: State) -> int:
    return datetime.datetime.fromtimestamp(state.now(), datetime.UTC).year


def resolve_method(
    state: State, account: str | None, reference: str, *, param: str, token: bool = False
) -> dict[str, Any]:
    """A PaymentMethod by id; Stripe's test names (``pm_card_visa``) make a fresh one each use.

    Test tokens (``tok_visa``) only count where Stripe takes a token: ``card[token]`` (``token=True``).
    """
    for prefix in ("tok_",) if token else ("pm_card_",):
        if reference.startswith(prefix) and reference[len(prefix) :] in TEST_CARD_NAMES:
            number = TEST_CARD_NAMES[reference[len(prefix) :]]
            return card_method(state, account, number=number, exp_month=12, exp_year=state_year(state) + 3, cvc="123")
    return state.get(reference, "payment_method", account, param=param)


def failure_for(method: dict[str, Any], *, forced: bool = False) -> Failure | None:
    """How a charge on this card ends: None when it succeeds."""
    if forced:
        return DECLINED if method["type"] == "card" else WALLET_DECLINED
    card = TEST_CARDS.get(method.get("_number", ""))
    return card.failure if card else None


def attach_failure(method: dict[str, Any]) -> Failure | None:
    """Why this card can't be saved to a customer (Stripe's declining test cards can't), or None."""
    card = TEST_CARDS.get(method.get("_number", ""))
    return card.failure if card is not None and not card.attachable else None


def attach(state: State, method: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    if method["customer"] == customer["id"]:
        return method
    if method["customer"] is not None:
        raise invalid(
            "The payment method you provided has already been attached to a customer.", param="payment_method"
        )
    failure = attach_failure(method)
    if failure is not None:
        raise card_error(failure, payment_method=render(state, method))
    method["customer"] = customer["id"]
    emit(state, "payment_method.attached", method)
    return method


def detach(state: State, method: dict[str, Any]) -> dict[str, Any]:
    if method["customer"] is None:
        raise invalid(
            "The payment method you provided is not attached to a customer so detachment is impossible.",
            param="payment_method",
        )
    customer = state.find(method["customer"])
    method["customer"] = None
    if customer and customer["invoice_settings"]["default_payment_method"] == method["id"]:
        before = snapshot(state, customer)
        customer["invoice_settings"]["default_payment_method"] = None
        emit(state, "customer.updated", customer, previous_attributes=changes(state, before, customer))
    emit(state, "payment_method.detached", method)
    return method


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    symbol = _CURRENCY_SYMBOLS.get(currency)
    if symbol and amount < 50:
        raise StripeError(f"Amount must be at least {symbol}0.50 {currency}", code="amount_too_small", param=param)
    if amount < 1:
        raise StripeError("This value must be greater than or equal to 1.", param=param)


def check_connect(
    state: State,
    account: str | None,
    *,
    amount: int,
    application_fee_amount: int | None,
    transfer_data: dict[str, Any] | None,
    within: str = "",
) -> None:
    """Refuse the Connect combinations Stripe refuses: a fee with no connected account, an unready destination.

    ``within`` names the enclosing parameter (``payment_intent_data``) for the errors' ``param``.
    """

    def name(*keys: str) -> str:
        head, *rest = (within, *keys) if within else keys
        return head + "".join(f"[{key}]" for key in rest)

    destination = (transfer_data or {}).get("destination")
    if application_fee_amount is not None:
        if account is None and destination is None:
            raise invalid(
                "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment "
                "(using an OAuth key or Stripe-Account header) or destination payment (using "
                "`transfer_data[destination]`).",
                param=name("application_fee_amount"),
            )
        if application_fee_amount > amount:
            raise invalid(
                "The application fee amount cannot be greater than the amount.", param=name("application_fee_amount")
            )
        if (transfer_data or {}).get("amount") is not None:
            raise invalid(
                "You cannot specify both `application_fee_amount` and `transfer_data[amount]`.",
                param=name("application_fee_amount"),
            )
    if destination is not None:
        if account is not None:
            raise invalid(
                "You cannot use `transfer_data[destination]` on a request made with the Stripe-Account header.",
                param=name("transfer_data", "destination"),
            )
        target = state.get(destination, "account", None, param=name("transfer_data", "destination"))
        if target["capabilities"].get("transfers") != "active":
            raise StripeError(
                "Your destination account needs to have at least one of the following capabilities enabled: "
                "transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                param=name("transfer_data", "destination"),
            )
    if account is not None:
        connected = state.get(account, "account", None)
        if not connected["charges_enabled"]:
            raise StripeError(
                "Your account cannot currently make charges. To find out why charge creation is currently "
                "disabled, look at the `requirements.disabled_reason` property on this account "
                f"(/v1/accounts/{account}).",
                code="account_invalid",
            )


def create_intent(state: State, account: str | None, **fields: Any) -> dict[str, Any]:
    intent = objects.payment_intent(state, account, **fields)
    if intent["payment_method"] is not None:
        intent["status"] = "requires_confirmation"
    emit(state, "payment_intent.created", intent)
    return intent


def confirm(
    state: State, intent: dict[str, Any], method: dict[str, Any], *, forced_failure: bool = False
) -> Failure | None:
    """Charge the card for the intent; on a decline the intent waits for another payment method, as Stripe's does."""
    if intent["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise StripeError(
            f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}. Only a "
            "PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, "
            "requires_payment_method, requires_action.",
            code="payment_intent_unexpected_state",
            extra={"payment_intent": render(state, intent)},
        )
    account = intent["_account"]
    failure = failure_for(method, forced=forced_failure)
    capture = intent["capture_method"] != "manual"
    charge_obj = objects.charge(state, account, intent=intent, method=method, failure=failure, capture=capture)
    intent["latest_charge"] = charge_obj["id"]
    if failure is not None:
        code, decline_code, message = failure
        intent["status"] = "requires_payment_method"
        intent["payment_method"] = None
        intent["last_payment_error"] = {
            "advice_code": None,
            "charge": charge_obj["id"],
            "code": code,
            "decline_code": decline_code,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
            "message": message,
            "network_advice_code": None,
            "network_decline_code": None,
            "param": None,
            "payment_method": render(state, method),
            "payment_method_type": method["type"],
            "type": "card_error" if method["type"] == "card" else "invalid_request_error",
        }
        emit(state, "charge.failed", charge_obj)
        emit(state, "payment_intent.payment_failed", intent)
        return failure
    intent["payment_method"] = method["id"]
    intent["last_payment_error"] = None
    if capture:
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        _settle_connect(state, intent, charge_obj)
        if intent["setup_future_usage"] and intent["customer"] and method["customer"] is None:
            attach(state, method, state.objects[intent["customer"]])
        emit(state, "charge.succeeded", charge_obj)
        emit(state, "payment_intent.succeeded", intent)
    else:
        intent["status"] = "requires_capture"
        intent["amount_capturable"] = intent["amount"]
        emit(state, "charge.succeeded", charge_obj)
        emit(state, "payment_intent.amount_capturable_updated", intent)
    return None


def capture(state: State, intent: dict[str, Any], amount_to_capture: int | None) -> dict[str, Any]:
    if intent["status"] != "requires_capture":
        raise StripeError(
            f"This PaymentIntent could not be captured because it has a status of {intent['status']}. Only a "
            "PaymentIntent with one of the following statuses may be captured: requires_capture.",
            code="payment_intent_unexpected_state",
        )
    amount = intent["amount"] if amount_to_capture is None else amount_to_capture
    if amount > intent["amount_capturable"]:
        raise invalid("The amount to capture cannot exceed the capturable amount.", param="amount_to_capture")
    charge_obj = state.objects[intent["latest_charge"]]
    before = snapshot(state, charge_obj)
    charge_obj["captured"] = True
    charge_obj["amount_captured"] = amount
    intent["amount_capturable"] = 0
    intent["amount_received"] = amount
    intent["status"] = "succeeded"
    _settle_connect(state, intent, charge_obj)
    emit(state, "charge.captured", charge_obj, previous_attributes=changes(state, before, charge_obj))
    emit(state, "payment_intent.succeeded", intent)
    return intent


def cancel(state: State, intent: dict[str, Any], reason: str | None) -> dict[str, Any]:
    if intent["status"] in ("succeeded", "canceled"):
        raise StripeError(
            f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. Only a "
            "PaymentIntent with one of the following statuses may be canceled: requires_payment_method, "
            "requires_capture, requires_confirmation, requires_action, processing.",
            code="payment_intent_unexpected_state",
        )
    intent["status"] = "canceled"
    intent["canceled_at"] = state.now()
    intent["cancellation_reason"] = reason
    intent["amount_capturable"] = 0
    emit(state, "payment_intent.canceled", intent)
    return intent


def _settle_connect(state: State, intent: dict[str, Any], charge_obj: dict[str, Any]) -> None:
    """Move a connected account's share: a transfer for destination charges, an application fee when asked."""
    account = intent["_account"]
    fee_amount = intent["application_fee_amount"]
    transfer_data = intent["transfer_data"]
    destination = transfer_data["destination"] if transfer_data else None
    if destination is not None:
        amount = transfer_data.get("amount") or charge_obj["amount_captured"] - (fee_amount or 0)
        transfer_obj = objects.transfer(
            state, amount=amount, currency=intent["currency"], destination=destination, source_charge=charge_obj["id"]
        )
        charge_obj["transfer"] = transfer_obj["id"]
        emit(state, "transfer.created", transfer_obj)
    if fee_amount:
        fee = objects.application_fee(
            state,
            amount=fee_amount,
            currency=intent["currency"],
            connected_account=destination or account,
            charge_id=charge_obj["id"],
        )
        charge_obj["application_fee"] = fee["id"]
        charge_obj["application_fee_amount"] = fee_amount
        emit(state, "application_fee.created", fee)


def refund(
    state: State,
    charge_obj: dict[str, Any],
    *,
    amount: int | None,
    reason: str | None,
    metadata: dict[str, str],
    refund_application_fee: bool,
    reverse_transfer: bool,
) -> dict[str, Any]:
    if charge_obj["status"] != "succeeded" or not charge_obj["captured"]:
        raise invalid(f"Charge {charge_obj['id']} has not been captured or did not succeed.", param="charge")
    remaining = charge_obj["amount_captured"] - charge_obj["amount_refunded"]
    if remaining <= 0:
        raise StripeError(
            f"Charge {charge_obj['id']} has already been refunded.", code="charge_already_refunded", param="charge"
        )
    amount = remaining if amount is None else amount
    if amount > remaining:
        currency = charge_obj["currency"]
        raise StripeError(
            f"Refund amount ({money(amount, currency)}) is greater than unrefunded amount on charge "
            f"({money(remaining, currency)})",
            param="amount",
        )
    before = snapshot(state, charge_obj)
    refund_obj = objects.refund(state, charge_obj["_account"], charge_obj=charge_obj, amount=amount, reason=reason)
    refund_obj["metadata"].update(metadata)
    charge_obj["amount_refunded"] += amount
    charge_obj["refunded"] = charge_obj["amount_refunded"] == charge_obj["amount_captured"]
    if reverse_transfer and charge_obj["transfer"]:
        transfer_obj = state.objects[charge_obj["transfer"]]
        share = round(transfer_obj["amount"] * amount / charge_obj["amount_captured"])
        transfer_obj["amount_reversed"] = min(transfer_obj["amount"], transfer_obj["amount_reversed"] + share)
        transfer_obj["reversed"] = transfer_obj["amount_reversed"] == transfer_obj["amount"]
        emit(state, "transfer.reversed", transfer_obj)
    if refund_application_fee and charge_obj["application_fee"]:
        fee = state.objects[charge_obj["application_fee"]]
        share = round(fee["amount"] * amount / charge_obj["amount_captured"])
        fee["amount_refunded"] = min(fee["amount"], fee["amount_refunded"] + share)
        fee["refunded"] = fee["amount_refunded"] == fee["amount"]
        emit(state, "application_fee.refunded", fee)
    emit(state, "refund.created", refund_obj)
    emit(state, "charge.refunded", charge_obj, previous_attributes=changes(state, before, charge_obj))
    return refund_obj


# --- Separate charges and transfers --------------------------------------------------------------------------


def transfer_to_account(
    state: State,
    *,
    destination: dict[str, Any],
    amount: int,
    currency: str,
    source_charge: dict[str, Any] | None,
    transfer_group: str | None,
    description: str | None,
    metadata: dict[str, str],
) -> dict[str, Any]:
    """The platform moves ``amount`` to a connected account, as Stripe does for separate charges and transfers.

    With ``source_transaction`` the money comes from that charge, so the transfers made from one charge can never
    add up to more than it took (less what was refunded); without it, from the platform's balance, which the
    sandbox does not keep, so it is refused like an empty balance would be.
    """
    if destination["capabilities"].get("transfers") != "active":
        raise StripeError(
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            code="insufficient_capabilities_for_transfer",
            param="destination",
        )
    if source_charge is None:
        raise StripeError(
            "You have insufficient available funds in your Stripe account. Try adding funds directly to your "
            "available balance by creating Charges using the 4000000000000077 test card.",
            code="balance_insufficient",
        )
    if source_charge["status"] != "succeeded" or not source_charge["captured"]:
        raise invalid(f"Charge {source_charge['id']} has not been captured.", param="source_transaction")
    if source_charge["currency"] != currency:
        raise invalid(
            f"The currency of source_transaction's balance transaction ({source_charge['currency']}) must be the "
            f"same as the transfer currency ({currency})",
            param="currency",
        )
    already = sum(
        item["amount"] - item["amount_reversed"]
        for item in state.all("transfer", None)
        if item["source_transaction"] == source_charge["id"]
    )
    available = source_charge["amount_captured"] - source_charge["amount_refunded"] - already
    if amount > available:
        raise StripeError(
            f"Insufficient funds in the source transaction: {money(available, currency)} left of charge "
            f"{source_charge['id']}, the transfer asks for {money(amount, currency)}.",
            code="balance_insufficient",
            param="amount",
        )
    transfer_obj = objects.transfer(
        state,
        amount=amount,
        currency=currency,
        destination=destination["id"],
        source_charge=source_charge["id"],
        transfer_group=transfer_group,
        description=description,
        metadata=metadata,
    )
    emit(state, "transfer.created", transfer_obj)
    return transfer_obj


def reverse_transfer(
    state: State, transfer_obj: dict[str, Any], *, amount: int | None, metadata: dict[str, str]
) -> dict[str, Any]:
    """Take ``amount`` (None: all that is left) of a transfer back from the connected account."""
    left = transfer_obj["amount"] - transfer_obj["amount_reversed"]
    amount = left if amount is None else amount
    if left <= 0:
        raise invalid(f"Transfer {transfer_obj['id']} has already been fully reversed.", param="amount")
    if amount > left:
        raise invalid(
            f"You have attempted to reverse more than the amount of the transfer ({money(left, transfer_obj['currency'])} "
            "can still be reversed).",
            param="amount",
        )
    before = snapshot(state, transfer_obj)
    reversal = objects.transfer_reversal(state, transfer_obj=transfer_obj, amount=amount, metadata=metadata)
    transfer_obj["amount_reversed"] += amount
    transfer_obj["reversed"] = transfer_obj["amount_reversed"] == transfer_obj["amount"]
    transfer_obj["reversals"]["data"].insert(0, reversal)
    emit(state, "transfer.reversed", transfer_obj, previous_attributes=changes(state, before, transfer_obj))
    return reversal
