"""Paying for an order with a Stripe Checkout Session; the order is paid only when Stripe says so.

Nothing the browser sends (the return URL, its query string) changes an order: the return visit and the webhook
both ask Stripe for the Checkout Session and act on its state.
"""

import hashlib
import logging
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from stripe.params.checkout import SessionCreateParams

from billing import connect
from billing.gateway import stripe_client
from platform.kit.money import currency_decimals, format_amount
from storefront.pricing import minor_units
from storefront.themes.selectors import store_profile
from tenants.connection import connection
from tenants.models import Store
from tenants.pods.routing import store_context

from .events import record_event
from .models import PAID_STATUSES, Order, OrderEvent, Refund
from .services import expired_reservations, mark_order_paid, record_refund, release_reservation
from .timeline import Note, note

if TYPE_CHECKING:  # for the annotation only: nothing here reads billing's tables itself
    from billing.models import StripeEvent

logger = logging.getLogger(__name__)

PAID_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
RELEASE_EVENTS = {"checkout.session.expired", "checkout.session.async_payment_failed"}


def _order_key(order: Order) -> str:
    """This order's part of its Stripe idempotency keys: the same for every retry, never another order's.

    Schema and number alone could come back (a purged store's subdomain taken again within Stripe's 24 hours of
    remembering keys); the order's own random checkout key can't.
    """
    unique = hashlib.sha256(order.checkout_key.encode()).hexdigest()[:16]
    return f"mercato-{connection.schema_name}-order-{order.pk}-{unique}"


def _idempotency_key(order: Order) -> str:
    # The same order always asks for its session with the same key, so a retry or a double click gets the
    # session Stripe already made instead of a second one.
    return f"{_order_key(order)}-checkout"


def _route_note(route: connect.PaymentRoute, currency: str, places: int) -> Note:
    """Where the order's money goes, for its timeline: the store's account and the fee, or test mode."""
    if route.destination is None:
        return note("test_mode_route")
    fee = format_amount(Decimal(route.application_fee_amount).scaleb(-places), currency=currency)
    return note("paid_to_account", account=route.destination, fee=fee, percent=route.fee_percent)


def start_payment(*, order: Order, store_name: str) -> str:
    """The URL of the order's Stripe Checkout page, creating its one Checkout Session if needed."""
    client = stripe_client()
    if order.stripe_session_id:
        session = client.v1.checkout.sessions.retrieve(order.stripe_session_id)
        return session.url or f"{order.site_url}/orders/{order.token}/"
    places = currency_decimals(order.currency)
    amount = minor_units(order.total, places)
    # Destination charge to the store's connected account with its plan's fee, or (test mode only) to the platform.
    route = connect.payment_route(store=Store.objects.get(schema_name=connection.schema_name), amount=amount)
    if route.refusal:
        raise connect.PaymentsUnavailable(route.refusal)
    metadata = {"mercato_order": str(order.pk), "mercato_schema": connection.schema_name}
    methods = checkout_payment_methods()
    params: SessionCreateParams = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                # One line for the whole order: Stripe then charges exactly our total, rounded by our rule.
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": amount,
                    "product_data": {"name": f"Order #{order.pk} at {store_name}"},
                },
            }
        ],
        "customer_email": order.email,
        "client_reference_id": str(order.pk),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, **route.intent_data},
        "success_url": f"{order.site_url}/orders/{order.token}/?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{order.site_url}/orders/{order.token}/",
        # Paid with Alipay or WeChat Pay, the session may complete unpaid; the order then waits for
        # checkout.session.async_payment_succeeded (or _failed), handled below like every other event.
        "allowed_payment_method_types": cast(Any, methods),
    }
    if "wechat_pay" in methods:
        # Stripe needs to know WeChat Pay is paid from a web page (a QR code), not from an app.
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    session = client.v1.checkout.sessions.create(params, {"idempotency_key": _idempotency_key(order)})
    if Order.objects.filter(pk=order.pk, stripe_session_id__isnull=True).update(stripe_session_id=session.id):
        record_event(
            order=order,
            kind=OrderEvent.Kind.PAYMENT_STARTED,
            notes=[note("checkout_started", session=session.id), _route_note(route, order.currency, places)],
        )
    order.stripe_session_id = session.id
    # A hosted Checkout Session (the default ui_mode, the only one used here) always has a URL.
    return cast(str, session.url)


def checkout_payment_methods() -> list[str]:
    """The payment method types an order's Checkout Session allows: cards and the wallets the platform enables
    (``STRIPE_CHECKOUT_WALLETS``). Stripe keeps those the order's currency and the account's country can take, so
    a CNY order offers Alipay and WeChat Pay, a CHF one WeChat Pay only."""
    return ["card", *settings.STRIPE_CHECKOUT_WALLETS]


def _session_is_paid_for(session: Any, order: Order) -> bool:
    metadata = session.metadata.to_dict() if session.metadata else {}
    return (
        session.payment_status == "paid"
        and metadata.get("mercato_order") == str(order.pk)
        and metadata.get("mercato_schema") == connection.schema_name
        and session.amount_total == minor_units(order.total, currency_decimals(order.currency))
        and (session.currency or "").upper() == order.currency
    )


def confirm_order_payment(*, order: Order) -> Order:
    """Ask Stripe for the order's Checkout Session and mark the order paid if, and only if, Stripe says it is."""
    if not order.stripe_session_id or order.status not in (Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED):
        return order
    session = stripe_client().v1.checkout.sessions.retrieve(order.stripe_session_id)
    if _session_is_paid_for(session, order):
        intent = session.payment_intent
        mark_order_paid(order=order, payment_intent=intent if isinstance(intent, str) else getattr(intent, "id", ""))
    order.refresh_from_db()
    return order


def handle_order_event(event: dict) -> None:
    """Act on a verified Stripe event about an order: the webhook dispatcher calls it for events whose object's
    metadata has ``mercato_order``. Safe to call any number of times for the same event.

    The store is the one named in ``mercato_schema``; an order there is touched only when the event's Checkout
    Session is that order's own session, so an event can never reach another store's order of the same number.
    """
    obj = (event.get("data") or {}).get("object") or {}
    metadata = obj.get("metadata") or {}
    order_id, schema_name = str(metadata.get("mercato_order", "")), metadata.get("mercato_schema")
    if not order_id.isdigit() or not schema_name:
        logger.warning("order event %s without a usable mercato_order/mercato_schema", event.get("id"))
        return
    store = Store.objects.filter(schema_name=schema_name).first()
    if store is None:
        logger.warning("order event %s names unknown schema %r", event.get("id"), schema_name)
        return
    event_type = event.get("type", "")
    with store_context(store):  # on the store's pod when it has one
        order = Order.objects.filter(pk=int(order_id)).first()
        if order is None:
            return
        if obj.get("object") == "checkout.session" and obj.get("id") != order.stripe_session_id:
            logger.warning("event %s: session %s is not order %s's", event.get("id"), obj.get("id"), order_id)
            return
        if obj.get("object") == "payment_intent" and obj.get("id") and not order.stripe_session_id:
            return
        if obj.get("object") == "charge":
            # Only a charge of this order's own payment: the same order number in another store is not this one.
            if order.stripe_payment_intent and obj.get("payment_intent") == order.stripe_payment_intent:
                sync_stripe_refunds(order=order)
            else:
                logger.warning("event %s: charge %s is not order %s's", event.get("id"), obj.get("id"), order_id)
            return
        if event_type in PAID_EVENTS or event_type == "payment_intent.succeeded":
            confirm_order_payment(order=order)
        elif event_type in RELEASE_EVENTS:
            # Stripe will not take money on this session any more; ask it (the event may be stale) before releasing.
            confirm_order_payment(order=order)
            if order.status != Order.Status.PENDING_PAYMENT:
                return
            if event_type == "checkout.session.async_payment_failed":
                method = _failed_method_name(order)
                # The buyer reads this on the order's page: written in the store's language, as its emails are
                # (a webhook's task has no page language).
                with translation.override(store_profile().offered_languages()[0]):
                    failure = gettext(
                        "Your %(method)s payment didn't go through, so this order was cancelled and nothing was "
                        "charged. The items are still in your cart: check out again to pay another way."
                    ) % {"method": gettext(method)}
                release_reservation(order=order, reason=note("payment_failed", method=method), payment_failure=failure)
            else:
                release_reservation(order=order, reason=note("payment_page_expired"))


# How the buyer knows each way of paying Checkout offers.
# In English, marked for translation: the name goes in the timeline as it is and is translated where it is read.
PAYMENT_METHOD_NAMES = {"card": gettext_noop("card"), "alipay": "Alipay", "wechat_pay": "WeChat Pay"}


def _failed_method_name(order: Order) -> str:
    """The name of the way the buyer tried to pay, from the session's payment (Stripe's last error names it)."""
    session_id = cast(str, order.stripe_session_id)  # called only for an event about the order's own session
    session = stripe_client().v1.checkout.sessions.retrieve(session_id, {"expand": ["payment_intent"]})
    intent = session.payment_intent
    error = getattr(intent, "last_payment_error", None)
    kind = getattr(error, "payment_method_type", "") or ""
    return PAYMENT_METHOD_NAMES.get(kind, "Stripe")


def release_expired(*, now: datetime) -> int:
    """Release every reservation in the current store whose time is up; returns how many were released.

    The Stripe session is expired first, so nobody can pay for stock that is being given back; a session Stripe
    already shows paid makes the order paid instead.
    """
    released = 0
    client = stripe_client()
    for order in expired_reservations(now=now):
        if order.stripe_session_id:
            confirm_order_payment(order=order)
            if order.status != Order.Status.PENDING_PAYMENT:
                continue
            try:
                client.v1.checkout.sessions.expire(order.stripe_session_id)
            except stripe.InvalidRequestError:
                # Already expired, or completed a moment ago: Stripe's state decides.
                confirm_order_payment(order=order)
                if order.status != Order.Status.PENDING_PAYMENT:
                    continue
        if release_reservation(order=order, reason=note("reservation_ran_out")):
            released += 1
    return released


def refund_order(
    *,
    order: Order,
    request_key: str,
    amount: Decimal | None,
    restock: bool,
    actor: str = "",
    notify_buyer: bool = True,
) -> Refund:
    """Give back ``amount`` (None: all that is left) of a paid order through Stripe; optionally restock its items.

    ``request_key`` comes from the refund form: sending the same form twice makes one refund. The order row stays
    locked from the checks to the record, so two forms cannot both refund "what is left", and the webhook about
    this refund (``sync_stripe_refunds``) waits and then finds it recorded instead of recording it again.
    """
    refund, _ = refund_order_once(
        order=order,
        request_key=request_key,
        amount=amount,
        restock=restock,
        actor=actor,
        notify_buyer=notify_buyer,
    )
    return refund


def refund_order_once(
    *,
    order: Order,
    request_key: str,
    amount: Decimal | None,
    restock: bool,
    actor: str = "",
    notify_buyer: bool = True,
) -> tuple[Refund, bool]:
    """``refund_order``, and whether this call made the refund (False: an earlier call with the key made it).

    Whether the key was used is decided under the order's row lock, so of two calls at once with one key exactly
    one is told it made the refund, whichever of them reached the lock first.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        existing = Refund.objects.filter(request_key=request_key).first()
        if existing is not None:
            if existing.order_id != locked.pk:
                # A key is one refund of one order; another order's key must not pass for this order's refund.
                raise ValidationError(gettext("This refund form has expired; reload the order and try again."))
            return existing, False
        if locked.status not in PAID_STATUSES or not locked.stripe_payment_intent:
            raise ValidationError(gettext("Only a paid order can be refunded."))
        remaining = locked.total - locked.refunded_total
        if amount is None:
            amount = remaining
        places = currency_decimals(locked.currency)
        if amount <= 0 or amount > remaining or amount != amount.quantize(Decimal(1).scaleb(-places)):
            raise ValidationError(
                {
                    "amount": [
                        gettext("Refund between 0 and %(remaining)s.")
                        % {"remaining": format_amount(remaining, currency=locked.currency)}
                    ]
                }
            )
        stripe_refund = stripe_client().v1.refunds.create(
            {
                "payment_intent": locked.stripe_payment_intent,
                "amount": minor_units(amount, places),
                "metadata": {"mercato_order": str(locked.pk), "mercato_schema": connection.schema_name},
                # Paid to the store's connected account: take it back from the store's transfer, return the fee.
                **connect.refund_options(payment_intent=locked.stripe_payment_intent),
            },
            {"idempotency_key": f"{_order_key(locked)}-refund-{request_key}"},
        )
        if stripe_refund.status not in ("succeeded", "pending"):
            raise ValidationError(gettext("Stripe did not refund: %(status)s.") % {"status": stripe_refund.status})
        refund = record_refund(
            order=locked,
            request_key=request_key,
            stripe_refund_id=stripe_refund.id,
            amount=amount,
            restock=restock,
            actor=actor,
            notify_buyer=notify_buyer,
        )
    order.refresh_from_db()
    return refund, True


def sync_stripe_refunds(*, order: Order) -> int:
    """Record the refunds Stripe has for the order's payment that Mercato does not know yet (made in Stripe's
    dashboard, or whose recording failed after Stripe made them); returns how many were recorded.

    Stripe's list is the truth, matched to ours by refund id, so a replayed event or our own refund adds nothing.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.stripe_payment_intent:
            return 0
        known = set(order.refunds.values_list("stripe_refund_id", flat=True))
        places = currency_decimals(order.currency)
        found = stripe_client().v1.refunds.list({"payment_intent": order.stripe_payment_intent, "limit": 100})
        recorded = 0
        for stripe_refund in sorted(found.auto_paging_iter(), key=lambda item: (item.created, item.id)):
            if stripe_refund.id in known or stripe_refund.status not in ("succeeded", "pending"):
                continue
            amount = Decimal(stripe_refund.amount).scaleb(-places)
            if amount <= 0 or order.refunded_total + amount > order.total:
                logger.warning("refund %s does not fit order %s; not recorded", stripe_refund.id, order.pk)
                continue
            record_refund(
                order=order,
                request_key=f"stripe-{stripe_refund.id}"[:64],
                stripe_refund_id=stripe_refund.id,
                amount=amount,
                restock=False,
                actor="Stripe",
            )
            recorded += 1
        return recorded


# The Stripe events about an order's payment; billing's webhook endpoint routes them here (see OrdersConfig).
ORDER_EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    # A refund, ours or one made in Stripe's dashboard; the charge carries the payment's metadata.
    "charge.refunded",
)


def handle_stored_order_event(event: "StripeEvent") -> None:
    """The webhook dispatcher's entry point: the stored, verified event's payload goes to handle_order_event."""
    handle_order_event(event.payload)
