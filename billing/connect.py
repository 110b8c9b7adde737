"""Stripe Connect: each store's own Stripe account, its onboarding, and where a buyer's payment goes.

Buyer payments are **destination charges**: the Checkout Session and its PaymentIntent belong to the platform,
with ``transfer_data.destination`` = the store's account and ``application_fee_amount`` = the plan's fee. So the
order's session, its webhooks (routed by ``mercato_order`` metadata) and its refunds are all made with the
platform's own key, exactly as for a store that is not connected; a refund reverses the store's transfer and
gives back the matching part of the fee (``refund_options``).

Until the store's account can take charges, its orders are paid to the platform with no fee, which is only
allowed in test mode (``billing.gateway.is_live_mode``); with a live key such a store takes no orders.
"""

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import stripe
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from stripe.params import AccountCreateParams, RefundCreateParams
from stripe.params.checkout import SessionCreateParamsPaymentIntentData

from tenants.models import Store

from . import limits
from .gateway import is_live_mode, stripe_client
from .models import ConnectedAccount, StripeEvent
from .services import owner_emails

logger = logging.getLogger(__name__)

# What a buyer reads when a store can't be paid (live mode, no connected account able to take charges).
BUYER_REFUSAL = "This store can't take payments yet, so orders can't be placed right now. Please try again later."


class PaymentsUnavailable(ValidationError):
    """The store can't be paid now (live mode and no connected account able to take charges); for the buyer."""


@dataclass(frozen=True)
class PaymentRoute:
    """Where one buyer payment goes: the store's account with the platform's fee, or the platform (test mode)."""

    destination: str | None
    fee_percent: Decimal
    application_fee_amount: int
    refusal: str | None = None

    @property
    def intent_data(self) -> SessionCreateParamsPaymentIntentData:
        """What to add to the Checkout Session's ``payment_intent_data``."""
        if self.destination is None:
            return {}
        data: SessionCreateParamsPaymentIntentData = {"transfer_data": {"destination": self.destination}}
        if self.application_fee_amount:
            data["application_fee_amount"] = self.application_fee_amount
        return data


def connected_account_for(store: Store) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(store_id=store.pk).first()


def application_fee_amount(*, amount: int, percent: Decimal) -> int:
    """The platform's fee on ``amount`` (minor units: cents, yen), rounded half-up to a whole minor unit.

    11390 cents at 5 % is 569.5 cents, so 570; at 0.5 % it is 56.95, so 57.
    """
    return int((Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def payment_route(*, store: Store, amount: int) -> PaymentRoute:
    """How a buyer payment of ``amount`` minor units to ``store`` is made, or why it can't be (``refusal``)."""
    account = connected_account_for(store)
    if account is not None and account.can_take_payments:
        percent = limits.platform_fee_percent(store)
        return PaymentRoute(
            destination=account.stripe_account_id,
            fee_percent=percent,
            application_fee_amount=application_fee_amount(amount=amount, percent=percent),
        )
    refusal = BUYER_REFUSAL if is_live_mode() else None
    return PaymentRoute(destination=None, fee_percent=Decimal(0), application_fee_amount=0, refusal=refusal)


def checkout_refusal(*, schema_name: str) -> str | None:
    """Why the store with this schema can't take an order now (for the buyer), or None when it can.

    Costs no query in test mode, where every store takes orders.
    """
    if not is_live_mode():
        return None
    store = Store.objects.filter(schema_name=schema_name).first()
    if store is None:
        return BUYER_REFUSAL
    return payment_route(store=store, amount=0).refusal


def refund_options(*, payment_intent: str) -> RefundCreateParams:
    """Extra ``refunds.create`` parameters for this payment: a destination charge's refund takes the money back
    from the store's transfer and returns the matching share of the platform's fee; a platform payment needs none.
    """
    intent = stripe_client().v1.payment_intents.retrieve(payment_intent)
    if getattr(intent, "transfer_data", None):
        return {"reverse_transfer": True, "refund_application_fee": True}
    return {}


# --- Onboarding --------------------------------------------------------------------------------------------------


def ensure_connected_account(*, store: Store) -> ConnectedAccount:
    """The store's connected account, made on Stripe once per store and reused by every onboarding link."""
    existing = connected_account_for(store)
    if existing is not None:
        return existing
    emails = owner_emails(store)
    params: AccountCreateParams = {
        "type": "express",
        "business_profile": {"name": store.name},
        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        "metadata": {"mercato_store": str(store.pk), "mercato_schema": store.schema_name},
    }
    if emails:
        params["email"] = emails[0]
    account = stripe_client().v1.accounts.create(
        params=params,
        # Two racing clicks get the same account back from Stripe, and the unique store column keeps one row.
        options={"idempotency_key": f"mercato-store-connected-account-{store.pk}"},
    )
    try:
        with transaction.atomic():
            record = ConnectedAccount.objects.create(store=store, stripe_account_id=account.id)
    except IntegrityError:
        return ConnectedAccount.objects.get(store_id=store.pk)
    return apply_account(account=account.to_dict()) or record


def start_onboarding(*, store: Store, return_url: str, refresh_url: str) -> str:
    """The URL of Stripe's hosted onboarding for the store's account (made first if the store has none).

    ``return_url`` and ``refresh_url`` must be the store's own dashboard pages: the view builds them from the
    request's (already routed) host, never from anything the browser sends.
    """
    record = ensure_connected_account(store=store)
    link = stripe_client().v1.account_links.create(
        {
            "account": record.stripe_account_id,
            "type": "account_onboarding",
            "return_url": return_url,
            "refresh_url": refresh_url,
        }
    )
    return link.url


def apply_account(*, account: dict) -> ConnectedAccount | None:
    """Copy Stripe's flags for ``account`` onto its row; None (and nothing written) for an account we don't know."""
    with transaction.atomic():
        record = ConnectedAccount.objects.select_for_update().filter(stripe_account_id=account.get("id", "")).first()
        if record is None:
            return None
        requirements = account.get("requirements") or {}
        record.charges_enabled = bool(account.get("charges_enabled"))
        record.payouts_enabled = bool(account.get("payouts_enabled"))
        record.details_submitted = bool(account.get("details_submitted"))
        record.disabled_reason = (requirements.get("disabled_reason") or "")[:100]
        record.save(
            update_fields=["charges_enabled", "payouts_enabled", "details_submitted", "disabled_reason", "updated_at"]
        )
    return record


def refresh_account(*, store: Store) -> ConnectedAccount | None:
    """Re-read the store's account from Stripe (the return from onboarding, a "refresh" button)."""
    record = connected_account_for(store)
    if record is None:
        return None
    account = stripe_client().v1.accounts.retrieve(record.stripe_account_id)
    return apply_account(account=account.to_dict())


def handle_account_updated(event: StripeEvent) -> None:
    """``account.updated``: re-read the account from Stripe, so events in any order end at Stripe's state.

    An account that is not one of ours is left alone, without a call to Stripe.
    """
    account_id = (event.payload.get("data") or {}).get("object", {}).get("id", "")
    record = ConnectedAccount.objects.filter(stripe_account_id=account_id).select_related("store").first()
    if record is None:
        logger.info("account.updated %s for unknown account %r ignored", event.event_id, account_id)
        return
    try:
        refresh_account(store=record.store)
    except stripe.PermissionError:
        # The account disconnected from the platform: it can't take this platform's charges any more.
        ConnectedAccount.objects.filter(pk=record.pk).update(charges_enabled=False, payouts_enabled=False)


def handle_account_deauthorized(event: StripeEvent) -> None:
    """``account.application.deauthorized``: the seller disconnected their account from the platform.

    Its payments can't go there any more, so the store is back to taking orders in test mode only (under a live
    key it takes none) until the owner connects again; the row stays, so reconnecting reuses the account.
    """
    updated = ConnectedAccount.objects.filter(stripe_account_id=event.account).update(
        charges_enabled=False, payouts_enabled=False, disabled_reason="disconnected from the platform"
    )
    if not updated:
        logger.info("deauthorization %s for unknown account %r ignored", event.event_id, event.account)


# --- The seller's view -------------------------------------------------------------------------------------------


@dataclass
class PaymentsOverview:
    account: ConnectedAccount | None
    live_mode: bool
    fee_percent: Decimal
    plan_name: str

    @property
    def connected(self) -> bool:
        return self.account is not None and self.account.can_take_payments

    @property
    def takes_orders(self) -> bool:
        return self.connected or not self.live_mode


def payments_overview(store: Store) -> PaymentsOverview:
    plan = limits.plan_for_store(store)
    return PaymentsOverview(
        account=connected_account_for(store),
        live_mode=is_live_mode(),
        fee_percent=plan.platform_fee_percent,
        plan_name=plan.name,
    )
