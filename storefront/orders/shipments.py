"""Shipments: sending some or all of a paid order's units with a carrier and tracking number, then delivery.

An order is ``partially_fulfilled`` while units are still to send, ``fulfilled`` once none are, and ``delivered``
once it is fulfilled and every shipment arrived. What a line may still send is what was bought, less what was
sent, and never a unit that went back to stock unsent (a restocking refund): see ``shippable_quantities``. Every
check runs with the order row locked, so two forms sent at once cannot both send the last units.
"""

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from . import emails
from .events import record_event
from .models import Order, OrderEvent, OrderLine, Shipment, ShipmentLine
from .timeline import note
from .tracking import clean_tracking_url

FIELD_MAX_LENGTH = 100
# An order in one of these states may send (more) units.
SHIPPABLE_STATUSES = (Order.Status.PAID, Order.Status.PARTIALLY_FULFILLED)
# States in which at least one shipment left: returns and reviews of what was sent are open.
SENT_STATUSES = (Order.Status.PARTIALLY_FULFILLED, Order.Status.FULFILLED, Order.Status.DELIVERED)


def shipped_quantities(order: Order) -> dict[int, int]:
    """Units of each of ``order``'s lines (by line id) sent so far, in every shipment."""
    rows = (
        ShipmentLine.objects.filter(shipment__order=order)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    return dict(rows)


def shippable_quantities(order: Order) -> dict[int, int]:
    """Units of each line (by line id) still to send.

    Bought minus sent, and at most bought minus units back in stock: units come back in stock either from a
    return (they were sent, so already counted) or all at once by a restocking refund or cancellation (then
    nothing is left to send); so the smaller of the two is what is really still in the seller's hands to send.
    """
    shipped = shipped_quantities(order)
    lines = OrderLine.objects.filter(order=order).only("quantity", "restocked_quantity")
    return {
        line.pk: max(0, min(line.quantity - shipped.get(line.pk, 0), line.quantity - line.restocked_quantity))
        for line in lines
    }


def shipments_of(order: Order) -> list[Shipment]:
    """The order's shipments, oldest first, with their lines and the order lines they send."""
    return list(order.shipments.prefetch_related("lines__order_line"))


def _clean_text(value: str, *, field: str, missing: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field: [missing]})
    if len(value) > FIELD_MAX_LENGTH:
        message = gettext("Keep it under %(limit)s characters.") % {"limit": FIELD_MAX_LENGTH}
        raise ValidationError({field: [message]})
    return value


def _wanted_units(order: Order, left: dict[int, int], quantities: Mapping[str, object] | None) -> dict[int, int]:
    """{order line id: units} to send now: every unit left when ``quantities`` is None, else those typed."""
    if quantities is None:
        wanted = {line_id: units for line_id, units in left.items() if units > 0}
        if not wanted:
            raise ValidationError(gettext("Nothing is left to ship on this order."), code="nothing_left")
        return wanted
    titles = dict(OrderLine.objects.filter(order=order).values_list("pk", "title"))
    wanted = {}
    for raw_line, raw_quantity in quantities.items():
        text_line = str(raw_line).strip()
        line_id = int(text_line) if text_line.isascii() and text_line.isdigit() and len(text_line) < 19 else None
        if line_id not in left:
            raise ValidationError({"quantities": [gettext("That item is not part of this order.")]}, code="invalid")
        text_quantity = str(raw_quantity).strip() or "0"
        if not (text_quantity.isascii() and text_quantity.isdigit()) or len(text_quantity) > 9:
            raise ValidationError({"quantities": [gettext("Give each quantity as a whole number.")]}, code="invalid")
        quantity = int(text_quantity)
        if quantity > left[line_id]:
            message = (
                gettext("Only %(left)s of %(title)s left to ship; you asked to ship %(quantity)s.")
                % {"left": left[line_id], "title": titles[line_id], "quantity": quantity}
                if left[line_id]
                else gettext("Every unit of %(title)s was already shipped (or is back in stock).")
                % {"title": titles[line_id]}
            )
            raise ValidationError({"quantities": [message]}, code="too_many")
        if quantity:
            wanted[line_id] = wanted.get(line_id, 0) + quantity
            if wanted[line_id] > left[line_id]:
                message = gettext("%(title)s is listed twice.") % {"title": titles[line_id]}
                raise ValidationError({"quantities": [message]}, code="invalid")
    if not wanted:
        raise ValidationError({"quantities": [gettext("Choose at least one item to ship.")]}, code="invalid")
    return wanted


def create_shipment(
    *,
    order: Order,
    request_key: str,
    carrier: str,
    tracking_number: str,
    tracking_url: str = "",
    quantities: Mapping[str, object] | None = None,
    actor: str = "",
) -> Shipment:
    """Send units of a paid order: ``quantities`` ({order line id: units}, as typed) or, when None, all left.

    One shipment per ``request_key`` (the form's one-time key): sending the form again returns the same one.
    Raises ValidationError, writing nothing, for a missing carrier or tracking number, a tracking URL that is not
    http(s), more units than are left to send, or an order that is not paid. The buyer gets one email for it.
    """
    carrier = _clean_text(carrier, field="carrier", missing="Name the carrier.")
    tracking_number = _clean_text(tracking_number, field="tracking_number", missing="Give the tracking number.")
    tracking_url = clean_tracking_url(tracking_url)
    request_key = request_key.strip()
    if not request_key or len(request_key) > 64:
        raise ValidationError(gettext("This form has expired; reload the page and try again."), code="invalid")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        existing = Shipment.objects.filter(request_key=request_key).first()
        if existing is not None:
            if existing.order_id != locked.pk:
                raise ValidationError(gettext("This form has expired; reload the page and try again."), code="invalid")
            order.refresh_from_db()
            return existing
        if locked.status not in SHIPPABLE_STATUSES:
            raise ValidationError(
                gettext("Only a paid order can be fulfilled; this one is %(status)s.")
                % {"status": locked.get_status_display().lower()},
                code="not_shippable",
            )
        left = shippable_quantities(locked)
        wanted = _wanted_units(locked, left, quantities)
        shipment = Shipment.objects.create(
            order=locked,
            request_key=request_key,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            shipped_by=actor[:100],
        )
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, order_line_id=line_id, quantity=units)
            for line_id, units in sorted(wanted.items())
        )
        complete = all(left[line_id] - wanted.get(line_id, 0) == 0 for line_id in left)
        if complete:
            locked.status = Order.Status.FULFILLED
            locked.fulfilled_at = timezone.now()
        else:
            locked.status = Order.Status.PARTIALLY_FULFILLED
        locked.save(update_fields=["status", "fulfilled_at"])
        record_event(
            order=locked,
            kind=OrderEvent.Kind.FULFILLED if complete else OrderEvent.Kind.SHIPPED,
            notes=[
                note(
                    "shipment_sent",
                    carrier=carrier,
                    tracking=tracking_number,
                    shipment=shipment.pk,
                    actor=actor,
                    items=_items(shipment),
                )
            ],
        )
        emails.queue_shipment(locked, shipment, complete=complete)
    order.refresh_from_db()
    return shipment


def _items(shipment: Shipment) -> str:
    return ", ".join(f"{item.quantity} x {item.order_line.sku}" for item in shipment.lines.select_related("order_line"))


def settle_after_restock(order: Order) -> None:
    """A partly sent order whose unsent units all went back to stock has nothing left to send: it is fulfilled.

    Runs in the caller's transaction with the order row locked.
    """
    if order.status != Order.Status.PARTIALLY_FULFILLED or any(shippable_quantities(order).values()):
        return
    order.status = Order.Status.FULFILLED
    order.fulfilled_at = timezone.now()
    order.save(update_fields=["status", "fulfilled_at"])
    record_event(order=order, kind=OrderEvent.Kind.FULFILLED, notes=[note("unsent_back_in_stock")])
    _settle_delivery(order, actor="")


def _settle_delivery(order: Order, *, actor: str) -> None:
    """A fulfilled order whose every shipment arrived is delivered."""
    if order.status != Order.Status.FULFILLED or order.shipments.filter(delivered_at__isnull=True).exists():
        return
    order.status = Order.Status.DELIVERED
    order.delivered_at = timezone.now()
    order.save(update_fields=["status", "delivered_at"])
    record_event(order=order, kind=OrderEvent.Kind.DELIVERED, notes=[note("by_actor", actor=actor)])
    emails.queue_delivered(order)


def _deliver(shipment: Shipment, *, actor: str, now: datetime) -> None:
    shipment.delivered_at = now
    shipment.delivered_by = actor[:100]
    shipment.save(update_fields=["delivered_at", "delivered_by"])
    record_event(
        order=shipment.order,
        kind=OrderEvent.Kind.SHIPMENT_DELIVERED,
        notes=[
            note(
                "shipment_delivered",
                shipment=shipment.pk,
                carrier=shipment.carrier,
                tracking=shipment.tracking_number,
                actor=actor,
            )
        ],
    )


def mark_shipment_delivered(*, order: Order, shipment_id: int, actor: str) -> Shipment:
    """Record that one of ``order``'s shipments arrived; the order is delivered once it is fulfilled and all did.

    Marking it again changes nothing. A shipment of another order is not found (code ``not_found``).
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        shipment = Shipment.objects.select_for_update().filter(pk=shipment_id, order=locked).first()
        if shipment is None:
            raise ValidationError(gettext("No such shipment for this order."), code="not_found")
        if shipment.delivered_at is None:
            shipment.order = locked
            _deliver(shipment, actor=actor, now=timezone.now())
            _settle_delivery(locked, actor=actor)
    order.refresh_from_db()
    return shipment


def mark_order_delivered(*, order: Order, actor: str) -> Order:
    """Record that every shipment of a fulfilled order arrived, and the order with them; again changes nothing."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == Order.Status.DELIVERED:
            order.refresh_from_db()
            return order
        if locked.status != Order.Status.FULFILLED:
            raise ValidationError(
                gettext(
                    "Only a fulfilled order can be marked delivered; ship what is left first, or mark single "
                    "shipments delivered. This order is %(status)s."
                )
                % {"status": locked.get_status_display().lower()},
                code="not_deliverable",
            )
        now = timezone.now()
        for shipment in locked.shipments.select_for_update().filter(delivered_at__isnull=True).order_by("id"):
            shipment.order = locked
            _deliver(shipment, actor=actor, now=now)
        _settle_delivery(locked, actor=actor)
    order.refresh_from_db()
    return order
