"""Changes to a store's payouts: recording the platform's transfer for an order, and reversing it after refunds."""

import logging
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from billing.gateway import stripe_client
from platform.kit.money import currency_decimals
from platform.kit.queueing import enqueue_for_store
from storefront.orders.events import record_event
from storefront.orders.models import Order, OrderEvent
from storefront.orders.timeline import note
from storefront.pricing import minor_units
from tenants.connection import connection

from .models import OrderPayout, PayoutReversal

logger = logging.getLogger(__name__)

REVERSE_TASK = "payouts.reverse_transfer_after_refund"


@transaction.atomic
def record_payout(
    *,
    order: Order,
    platform_fee: Decimal,
    fee_percent: Decimal,
    transferred: Decimal,
    stripe_transfer_id: str,
    transfer_group: str,
    stripe_fee: Decimal | None = None,
    when: datetime | None = None,
) -> OrderPayout:
    """Record, once per transfer, that the platform paid this store ``transferred`` for ``order``."""
    existing = OrderPayout.objects.filter(stripe_transfer_id=stripe_transfer_id).first()
    if existing is not None:
        return existing
    payout = OrderPayout.objects.create(
        order=order,
        currency=order.currency,
        paid=order.total,
        platform_fee=platform_fee,
        fee_percent=fee_percent,
        stripe_fee=stripe_fee,
        transferred=transferred,
        stripe_transfer_id=stripe_transfer_id,
        transfer_group=transfer_group,
        created_at=when or timezone.now(),
    )
    record_event(
        order=order,
        kind=OrderEvent.Kind.NOTE,
        notes=[
            note(
                "marketplace_paid",
                amount=f"{transferred} {order.currency}",
                transfer=stripe_transfer_id,
                fee=platform_fee,
                percent=fee_percent,
            )
        ],
    )
    return payout


def reverse_after_refund(order: Order, kind: str) -> None:
    """The orders timeline's listener: after a refund of a marketplace order, take the store's share back.

    Runs inside the refund's transaction; the Stripe call is a task sent after it commits (and retried), so a
    refund never waits on, or is undone by, the reversal.
    """
    if kind == OrderEvent.Kind.REFUNDED and OrderPayout.objects.filter(order_id=order.pk).exists():
        enqueue_for_store(REVERSE_TASK, schema_name=connection.schema_name, args=(order.pk,))


def reversal_due(*, transferred: Decimal, paid: Decimal, refunded: Decimal, places: int) -> Decimal:
    """How much of the transfer the refunds so far take back: the same share of it as of the payment, half-up.

    A 56.95 refund of a 113.90 order whose transfer was 108.20 takes back 54.10; the fee's share (2.85) is the
    platform's to give.
    """
    if paid <= 0:
        return Decimal(0)
    share = transferred * min(refunded, paid) / paid
    return share.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def reverse_transfer_after_refund(*, order_id: int) -> PayoutReversal | None:
    """Reverse what the order's refunds take back of its transfer and is not reversed yet; None when nothing is.

    Safe to run twice or at once: the payout row is locked, and the Stripe call's idempotency key names the
    total reversed it brings the transfer to, so a retry gets the same reversal back.
    """
    with transaction.atomic():
        payout = OrderPayout.objects.select_for_update().filter(order_id=order_id).select_related("order").first()
        if payout is None:
            return None
        places = currency_decimals(payout.currency)
        target = reversal_due(
            transferred=payout.transferred, paid=payout.paid, refunded=payout.order.refunded_total, places=places
        )
        due = target - payout.reversed
        if due <= 0:
            return None
        reversal = stripe_client().v1.transfers.reversals.create(
            payout.stripe_transfer_id,
            {
                "amount": minor_units(due, places),
                "metadata": {"mercato_order": str(order_id), "mercato_schema": connection.schema_name},
            },
            {
                "idempotency_key": f"mercato-{connection.schema_name}-payout-{payout.pk}-reversed-to-{minor_units(target, places)}"
            },
        )
        record = PayoutReversal.objects.create(
            payout=payout,
            amount=due,
            refunded_total=payout.order.refunded_total,
            stripe_reversal_id=reversal.id,
            created_at=timezone.now(),
        )
        OrderPayout.objects.filter(pk=payout.pk).update(reversed=target)
        record_event(
            order=payout.order,
            kind=OrderEvent.Kind.NOTE,
            notes=[note("marketplace_taken_back", amount=f"{due} {payout.currency}", reversal=reversal.id)],
        )
    return record
