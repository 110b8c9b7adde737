"""The marketplace cart's one payment: a Stripe Checkout Session on the platform, then a transfer to each store.

Stripe's "separate charges and transfers": the buyer pays the platform once; when Stripe says the session is
paid, each store's order is marked paid by the store's own service and the platform transfers that order's
total less its plan's fee to the store's connected account, every transfer in the checkout's ``transfer_group``
and funded by the one charge (``source_transaction``). Nothing the browser sends changes a checkout: the return
page and the webhook both ask Stripe.
"""

import hashlib
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from billing.gateway import stripe_client
from platform.accounts.tasks import send_email
from platform.kit.hosts import platform_url
from platform.kit.money import currency_decimals
from platform.kit.queueing import enqueue_for_store

from . import bridge, emails
from .models import MarketplaceCheckout, StoreOrder

if TYPE_CHECKING:  # for the annotation only
    from billing.models import StripeEvent

logger = logging.getLogger(__name__)

METADATA_KEY = "mercato_marketplace_checkout"
CHECKOUT_EVENT_TYPES = ("checkout.session.completed", "checkout.session.expired")


def _key(checkout: MarketplaceCheckout) -> str:
    """This checkout's part of its Stripe idempotency keys: the same on every retry, never another checkout's."""
    return f"mercato-marketplace-{checkout.pk}-{hashlib.sha256(checkout.checkout_key.encode()).hexdigest()[:16]}"


def start_payment(*, checkout: MarketplaceCheckout) -> str | None:
    """The URL of the checkout's Stripe payment page (its one session, made if need be); None once not pending."""
    if checkout.status != MarketplaceCheckout.Status.PENDING_PAYMENT:
        return None
    client = stripe_client()
    if checkout.stripe_session_id:
        return client.v1.checkout.sessions.retrieve(checkout.stripe_session_id).url
    metadata = {METADATA_KEY: str(checkout.pk)}
    orders = list(checkout.orders.select_related("store"))
    page = platform_url(f"/cart/checkout/{checkout.token}/")
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            # One line per store's order: the buyer's receipt shows who was paid what, and Stripe charges our sum.
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": checkout.currency.lower(),
                        "unit_amount": order.amount,
                        "product_data": {"name": f"Order #{order.order_id} at {order.selling_store().name}"},
                    },
                }
                for order in orders
            ],
            "customer_email": checkout.email,
            "client_reference_id": str(checkout.pk),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata, "transfer_group": checkout.transfer_group},
            "success_url": page + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": page,
        },
        {"idempotency_key": f"{_key(checkout)}-session"},
    )
    MarketplaceCheckout.objects.filter(pk=checkout.pk, stripe_session_id__isnull=True).update(
        stripe_session_id=session.id
    )
    checkout.stripe_session_id = session.id
    return session.url


def _session_is_paid_for(session: Any, checkout: MarketplaceCheckout) -> bool:
    metadata = session.metadata.to_dict() if session.metadata else {}
    return (
        session.payment_status == "paid"
        and metadata.get(METADATA_KEY) == str(checkout.pk)
        and session.amount_total == checkout.amount
        and (session.currency or "").upper() == checkout.currency
    )


def confirm_payment(*, checkout: MarketplaceCheckout) -> MarketplaceCheckout:
    """Ask Stripe for the checkout's session; when it is paid, mark every store's order paid and pay each store.

    Safe to run any number of times and at once (the webhook and the return page): the checkout row is locked,
    an order already paid stays as it is, and each transfer's idempotency key makes a retry get the same one.
    """
    if not checkout.stripe_session_id or checkout.status == MarketplaceCheckout.Status.RELEASED:
        return checkout
    client = stripe_client()
    session = client.v1.checkout.sessions.retrieve(checkout.stripe_session_id)
    if not _session_is_paid_for(session, checkout):
        return checkout
    intent_id = (
        session.payment_intent if isinstance(session.payment_intent, str) else getattr(session.payment_intent, "id", "")
    )
    with transaction.atomic():
        locked = MarketplaceCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status == MarketplaceCheckout.Status.RELEASED:
            logger.error("marketplace checkout %s was paid after its orders were released; refund it", locked.pk)
            return locked
        if locked.status == MarketplaceCheckout.Status.PENDING_PAYMENT:
            intent = client.v1.payment_intents.retrieve(intent_id)
            latest = intent.latest_charge
            charge = latest if isinstance(latest, str) else getattr(latest, "id", "")
            for order in locked.orders.select_related("store"):
                status = bridge.mark_order_paid(
                    store=order.selling_store(), order_id=order.order_id, payment_intent=intent_id
                )
                if status == bridge.CANCELLED:
                    logger.warning(
                        "marketplace checkout %s: order %s of store %s was released before the payment; its share "
                        "is refunded to the buyer",
                        locked.pk,
                        order.order_id,
                        order.store_id,
                    )
                    StoreOrder.objects.filter(pk=order.pk).update(unfilled=True)
            locked.status = MarketplaceCheckout.Status.PAID
            locked.paid_at = timezone.now()
            locked.stripe_payment_intent = intent_id
            locked.stripe_charge = charge
            locked.save(update_fields=["status", "paid_at", "stripe_payment_intent", "stripe_charge"])
        for order in locked.orders.select_related("store").filter(stripe_transfer_id="", unfilled=False):
            _pay_store(checkout=locked, order=order)
        for order in locked.orders.select_related("store").filter(unfilled=True, stripe_refund_id=""):
            _refund_unfilled(checkout=locked, order=order)
    checkout.refresh_from_db()
    return checkout


def _refund_unfilled(*, checkout: MarketplaceCheckout, order: StoreOrder) -> None:
    """Give the buyer back the share of the one charge that paid a store's order the store had already released
    (its reservation ran out before the payment arrived): a Stripe refund of that order's amount, noted on the
    store's order timeline, and an email to the buyer. Nothing was transferred for it, so nothing is reversed.

    Called under the checkout's row lock for an order not refunded yet; the idempotency key (one per checkout and
    store) makes a retry after a failure get the same refund back rather than a second one.
    """
    places = currency_decimals(checkout.currency)
    refund = stripe_client().v1.refunds.create(
        {
            "payment_intent": checkout.stripe_payment_intent,
            "amount": order.amount,
            "metadata": {METADATA_KEY: str(checkout.pk), "mercato_unfilled_order": str(order.order_id)},
        },
        {"idempotency_key": f"{_key(checkout)}-unfilled-refund-{order.store_id}"},
    )
    StoreOrder.objects.filter(pk=order.pk).update(stripe_refund_id=refund.id)
    store = order.selling_store()
    refunded = _money(order.amount, places)
    bridge.note_unfilled_refund(
        store=store,
        order_id=order.order_id,
        refunded=refunded,
        currency=checkout.currency,
        stripe_refund_id=refund.id,
    )
    with translation.override(checkout.language or settings.LANGUAGE_CODE):
        message = emails.unfilled_order_refunded(
            store_name=store.name,
            order_number=order.order_id,
            refunded=refunded,
            paid=checkout.total,
            currency=checkout.currency,
            checkout_token=checkout.token,
        )
    # Sent once the refund's record commits; the row above makes a second confirmation skip this order.
    enqueue_for_store(send_email, schema_name=settings.PUBLIC_SCHEMA_NAME, kwargs={"to": checkout.email, **message})


def _pay_store(*, checkout: MarketplaceCheckout, order: StoreOrder) -> None:
    """Transfer the store's share of the one charge to its connected account, and tell the store."""
    places = currency_decimals(checkout.currency)
    transfer = stripe_client().v1.transfers.create(
        {
            "amount": order.transfer_amount,
            "currency": checkout.currency.lower(),
            "destination": order.destination,
            "transfer_group": checkout.transfer_group,
            "source_transaction": checkout.stripe_charge,
            "metadata": {
                METADATA_KEY: str(checkout.pk),
                "mercato_order": str(order.order_id),
                "mercato_schema": order.selling_store().schema_name,
            },
        },
        {"idempotency_key": f"{_key(checkout)}-transfer-{order.store_id}"},
    )
    StoreOrder.objects.filter(pk=order.pk).update(stripe_transfer_id=transfer.id)
    bridge.record_payout(
        store=order.selling_store(),
        order_id=order.order_id,
        platform_fee=_money(order.platform_fee, places),
        fee_percent=order.fee_percent,
        transferred=_money(order.transfer_amount, places),
        stripe_transfer_id=transfer.id,
        transfer_group=checkout.transfer_group,
    )


def _money(minor: int, places: int) -> Decimal:
    return Decimal(minor).scaleb(-places)


def release_unpaid(*, checkout: MarketplaceCheckout, reason: str) -> bool:
    """Give every store's reserved stock back for a checkout Stripe will not be paid for; False when not pending."""
    with transaction.atomic():
        locked = MarketplaceCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != MarketplaceCheckout.Status.PENDING_PAYMENT:
            return False
        for order in locked.orders.select_related("store"):
            bridge.release_order(store=order.selling_store(), order_id=order.order_id, reason=reason)
        locked.status = MarketplaceCheckout.Status.RELEASED
        locked.save(update_fields=["status"])
    checkout.refresh_from_db()
    return True


def handle_checkout_event(event: dict) -> None:
    """Act on a verified Stripe event about a marketplace checkout; safe to repeat."""
    obj = (event.get("data") or {}).get("object") or {}
    checkout_id = str((obj.get("metadata") or {}).get(METADATA_KEY, ""))
    checkout = MarketplaceCheckout.objects.filter(pk=int(checkout_id)).first() if checkout_id.isdigit() else None
    if checkout is None:
        logger.warning("event %s names no marketplace checkout of ours", event.get("id"))
        return
    if obj.get("object") == "checkout.session" and obj.get("id") != checkout.stripe_session_id:
        logger.warning("event %s: session %s is not checkout %s's", event.get("id"), obj.get("id"), checkout.pk)
        return
    confirm_payment(checkout=checkout)
    if event.get("type") == "checkout.session.expired":
        release_unpaid(checkout=checkout, reason=gettext_noop("The marketplace cart's payment page expired unpaid."))


def handle_stored_checkout_event(event: "StripeEvent") -> None:
    """The webhook dispatcher's entry point (registered in MarketplaceConfig.ready)."""
    handle_checkout_event(event.payload)
