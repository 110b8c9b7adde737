"""Changes to orders: reserving, committing and releasing stock, the paid transition, refunds.

Stock is reserved with one conditional UPDATE per variant (``stock = stock - n WHERE stock >= n``), taken in
variant id order so two orders never wait on each other's rows in opposite orders (no deadlock).
"""

import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from platform.kit.money import format_money
from storefront.cart.models import CartLine
from storefront.catalog.models import InventoryAdjustment, ProductVariant
from storefront.catalog.services import product_changed
from storefront.page_cache import invalidate_store_pages
from tenants.connection import connection
from tenants.console.stats import refresh_store_stats

from . import emails
from .events import record_event
from .models import Order, OrderEvent, OrderLine, Refund
from .sales_days import refresh_sales_day
from .shipments import create_shipment, settle_after_restock
from .timeline import Note, note

logger = logging.getLogger(__name__)


class OutOfStock(ValidationError):
    """A variant has fewer units than the order asks for; the message is for the buyer."""


def reserve_line_stock(*, variant: ProductVariant, quantity: int, order: Order) -> int:
    """Take ``quantity`` units of ``variant`` for ``order``; returns how many were taken from tracked stock.

    Runs inside the caller's transaction: raising OutOfStock rolls back every reservation made before it.
    """
    if not variant.track_inventory:
        return 0
    rows = ProductVariant.objects.filter(pk=variant.pk)
    if not variant.continue_selling_when_out_of_stock:
        # The condition and the decrement are one statement: of two buyers racing for the last unit, the second
        # one's UPDATE waits for the first's row lock, then re-reads the row and matches nothing.
        rows = rows.filter(stock__gte=quantity)
    if rows.update(stock=F("stock") - quantity, updated_at=timezone.now()) == 0:
        left = ProductVariant.objects.filter(pk=variant.pk).values_list("stock", flat=True).first() or 0
        name = f"{variant.product.title} ({variant.title})"
        if left <= 0:
            raise OutOfStock(f"Sorry, {name} sold out while you were checking out.", code="sold_out")
        raise OutOfStock(f"Sorry, only {left} of {name} left; lower the quantity in your cart.", code="insufficient")
    stock_after = ProductVariant.objects.filter(pk=variant.pk).values_list("stock", flat=True).get()
    product_changed(variant.product_id)  # stock shows on the store's pages and in the directory
    InventoryAdjustment.objects.create(
        variant=variant,
        delta=-quantity,
        stock_after=stock_after,
        reason=InventoryAdjustment.Reason.SOLD,
        note=f"Reserved for order #{order.pk}",
        actor="checkout",
    )
    return quantity


def return_units(order: Order, units: Iterable[tuple[OrderLine, int]]) -> int:
    """Put units of ``order``'s lines back in stock (at most what each line took and has not given back yet).

    Runs in the caller's transaction, with the order row locked; returns how many units went back.
    """
    returned = 0
    for line, wanted in sorted(units, key=lambda item: item[0].variant_id or 0):
        line.refresh_from_db(fields=["reserved_quantity", "restocked_quantity"])
        quantity = min(wanted, line.reserved_quantity - line.restocked_quantity)
        if quantity <= 0 or line.variant_id is None:
            continue
        ProductVariant.objects.filter(pk=line.variant_id).update(stock=F("stock") + quantity, updated_at=timezone.now())
        OrderLine.objects.filter(pk=line.pk).update(restocked_quantity=F("restocked_quantity") + quantity)
        stock_after, product_id = (
            ProductVariant.objects.filter(pk=line.variant_id).values_list("stock", "product_id").get()
        )
        product_changed(product_id)
        InventoryAdjustment.objects.create(
            variant_id=line.variant_id,
            delta=quantity,
            stock_after=stock_after,
            reason=InventoryAdjustment.Reason.OTHER,
            note=f"Back from order #{order.pk}",
            actor="checkout",
        )
        returned += quantity
    if returned:
        invalidate_store_pages(schema_name=connection.schema_name)
    return returned


def return_all_units(order: Order, lines: Iterable[OrderLine]) -> int:
    """Put back every unit of ``lines`` that is not back yet."""
    return return_units(order, [(line, line.reserved_quantity) for line in lines])


@transaction.atomic
def mark_order_paid(*, order: Order, payment_intent: str) -> bool:
    """Commit the reserved stock and mark the order paid; False when it was not awaiting payment (a replay).

    Only confirm_order_payment calls this, after Stripe itself said the Checkout Session is paid.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != Order.Status.PENDING_PAYMENT:
        # Only an order given up before it was paid needs a person; one the store cancelled after payment was
        # refunded by that cancellation, and this is a replay.
        late_payment = locked.status == Order.Status.CANCELLED and locked.paid_at is None
        if late_payment and not locked.events.filter(kind=OrderEvent.Kind.NOTE).exists():
            # Stripe took the money after the reservation was given up: a person must refund or restock.
            record_event(
                order=locked,
                kind=OrderEvent.Kind.NOTE,
                notes=[note("paid_after_cancel", payment=payment_intent)],
            )
        return False
    now = timezone.now()
    locked.status = Order.Status.PAID
    locked.stock_state = Order.Stock.COMMITTED
    locked.paid_at = now
    locked.stripe_payment_intent = payment_intent or ""
    locked.save(update_fields=["status", "stock_state", "paid_at", "stripe_payment_intent"])
    refresh_sales_day(paid_at=locked.paid_at)
    record_event(order=locked, kind=OrderEvent.Kind.PAID, notes=[note("stripe_payment", payment=payment_intent)])
    if locked.cart_id:
        CartLine.objects.filter(cart_id=locked.cart_id).delete()
    emails.queue_confirmation(locked)
    # The platform console's orders and GMV count it within seconds, not at the next hourly sweep.
    refresh_store_stats(schema_name=connection.schema_name)
    order.refresh_from_db()
    return True


# What other apps hold for an unpaid order and give back, in the same transaction, when its reservation is
# released: checkout registers the discount code's use at start-up, so orders never imports checkout.
_release_listeners: list[Callable[[Order], None]] = []


def on_reservation_released(listener: Callable[[Order], None]) -> None:
    if listener not in _release_listeners:
        _release_listeners.append(listener)


@transaction.atomic
def release_reservation(*, order: Order, reason: Note | str, payment_failure: str = "") -> bool:
    """Give an unpaid order's stock and discount use back and cancel it; False when it was not pending.

    ``reason`` (a ``timeline.note``; plain text is shown as it is) goes in the order's timeline; ``payment_failure``, when Stripe said the payment failed, is what the
    buyer reads on the order's page.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != Order.Status.PENDING_PAYMENT:
        return False
    return_all_units(locked, locked.lines.all())
    for give_back in _release_listeners:
        give_back(locked)
    locked.status = Order.Status.CANCELLED
    locked.stock_state = Order.Stock.RELEASED
    locked.cancelled_at = timezone.now()
    locked.payment_failure = payment_failure
    locked.save(update_fields=["status", "stock_state", "cancelled_at", "payment_failure"])
    record_event(order=locked, kind=OrderEvent.Kind.RELEASED, notes=[reason])
    invalidate_store_pages(schema_name=connection.schema_name)
    order.refresh_from_db()
    return True


def expired_reservations(*, now: datetime) -> list[Order]:
    return list(Order.objects.filter(status=Order.Status.PENDING_PAYMENT, reserved_until__lt=now).order_by("id"))


def fulfil_order(*, order: Order, carrier: str, tracking_number: str, tracking_url: str = "", actor: str = "") -> Order:
    """Send every unit of a paid order still to send in one shipment (see ``shipments.create_shipment``)."""
    create_shipment(
        order=order,
        request_key=f"all-{secrets.token_urlsafe(24)}",
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=tracking_url,
        actor=actor,
    )
    return order


@transaction.atomic
def record_refund(
    *,
    order: Order,
    request_key: str,
    stripe_refund_id: str,
    amount: Decimal,
    restock: bool,
    actor: str = "",
    notify_buyer: bool = True,
) -> Refund:
    """Record a refund Stripe made, once per Stripe refund; restocking puts back every unit not back yet.

    ``notify_buyer`` False when the caller's own email (cancellation, an accepted return) tells of the money.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    existing = Refund.objects.filter(stripe_refund_id=stripe_refund_id).first()
    if existing is not None:
        return existing
    restock = restock and return_all_units(locked, locked.lines.all()) > 0
    if restock:
        # Units back in stock unsent are not waited for: a partly sent order may be complete now.
        settle_after_restock(locked)
    refund = Refund.objects.create(
        order=locked,
        request_key=request_key,
        stripe_refund_id=stripe_refund_id,
        amount=amount,
        restocked=restock,
        actor=actor[:100],
    )
    Order.objects.filter(pk=locked.pk).update(refunded_total=F("refunded_total") + amount)
    refresh_sales_day(paid_at=locked.paid_at)
    record_event(
        order=locked,
        kind=OrderEvent.Kind.REFUNDED,
        notes=[
            note("refunded_to_buyer", amount=format_money(amount, locked.currency), refund=stripe_refund_id),
            *([note("items_restocked")] if restock else []),
        ],
    )
    if notify_buyer:
        emails.queue_refunded(locked, refund)
    refresh_store_stats(schema_name=connection.schema_name)
    order.refresh_from_db()
    return refund
