"""The store cancelling an order: an unpaid one gives its reservation back, a paid one is refunded in full first."""

import stripe
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from billing.gateway import stripe_client

from . import emails
from .events import record_event
from .models import Order, OrderEvent
from .payments import confirm_order_payment, refund_order
from .sales_days import refresh_sales_day
from .services import release_reservation, return_all_units
from .timeline import note


def cancel_order(*, order: Order, restock: bool, actor: str) -> Order:
    """Cancel ``order`` for the store; calling it again for a cancelled order changes nothing.

    Unpaid: the reservation (stock, discount use) is released. Paid and not yet sent: what is left of the
    payment is refunded through Stripe (one refund per order, whatever the number of clicks), the units go back
    to stock if ``restock``, and the buyer is emailed. An order of which anything was sent is not cancelled: refund it or take a return.
    """
    with transaction.atomic():
        # Held to the end: nobody fulfils or refunds the order between our checks and the cancellation.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == Order.Status.PENDING_PAYMENT and locked.stripe_session_id:
            _close_checkout(locked)
        if locked.status == Order.Status.CANCELLED:
            order.refresh_from_db()
            return order
        if locked.status == Order.Status.PENDING_PAYMENT:
            release_reservation(order=locked, reason=note("cancelled_before_payment", actor=actor))
            order.refresh_from_db()
            return order
        # Once anything was sent (a partly or fully fulfilled order, a delivered one) it is not cancelled.
        if locked.status != Order.Status.PAID:
            raise ValidationError(
                gettext("A sent order cannot be cancelled; refund it or accept a return instead."),
                code="not_cancellable",
            )
        refunded = locked.total - locked.refunded_total
        if refunded > 0:
            # The key is the order's own: a second click, or a retry after a failure, is the same Stripe refund.
            refund_order(
                order=locked,
                request_key=f"cancel-order-{locked.pk}",
                amount=None,
                restock=False,
                actor=actor,
                notify_buyer=False,
            )
        returned = return_all_units(locked, locked.lines.all()) if restock else 0
        locked.status = Order.Status.CANCELLED
        if restock:
            locked.stock_state = Order.Stock.RELEASED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["status", "stock_state", "cancelled_at"])
        refresh_sales_day(paid_at=locked.paid_at)
        record_event(
            order=locked,
            kind=OrderEvent.Kind.CANCELLED,
            notes=[
                note("by_actor", actor=actor),
                *([note("units_back_in_stock", count=returned)] if returned else []),
            ],
        )
        emails.queue_cancelled(locked, refunded=refunded if refunded > 0 else None)
    order.refresh_from_db()
    return order


def _close_checkout(order: Order) -> None:
    """Expire the order's Stripe Checkout page so nobody pays for a cancelled order; if Stripe says it is paid
    already, the order becomes paid (and is then cancelled as a paid order)."""
    confirm_order_payment(order=order)
    if order.status != Order.Status.PENDING_PAYMENT or not order.stripe_session_id:
        return
    try:
        stripe_client().v1.checkout.sessions.expire(order.stripe_session_id)
    except stripe.InvalidRequestError:
        # Already expired, or completed a moment ago: Stripe's state decides.
        confirm_order_payment(order=order)
