"""Returns: the buyer asks to send units of a sent order back; the store accepts (refund, restock) or refuses.

Every unit sent can be asked back once: a request counts against the line until the store refuses it. The buyer
may ask from the first shipment on, within ``ORDER_RETURN_WINDOW_DAYS`` (default 30) of the latest parcel's
delivery (or its sending, while it is not marked delivered).
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from platform.kit.money import currency_decimals, format_amount
from storefront import pricing

from . import emails, timeline
from .events import record_event
from .models import Order, OrderEvent, ReturnLine, ReturnRequest
from .payments import refund_order
from .services import return_units
from .shipments import SENT_STATUSES, shipped_quantities

DEFAULT_RETURN_WINDOW_DAYS = 30
REASON_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 500


def return_window_days() -> int:
    return int(getattr(settings, "ORDER_RETURN_WINDOW_DAYS", DEFAULT_RETURN_WINDOW_DAYS))


def return_deadline(order: Order) -> datetime | None:
    """Until when the buyer may ask for a return; None while nothing was sent (nothing to return yet).

    The window runs from the latest parcel's arrival, or its sending while it is not marked delivered: a buyer
    whose order came in several parcels gets the full window for the last one.
    """
    if order.status not in SENT_STATUSES:
        return None
    moments = [shipment.delivered_at or shipment.created_at for shipment in order.shipments.all()]
    if not moments and order.fulfilled_at is not None:
        moments = [order.fulfilled_at]  # fulfilled before shipments were recorded one by one
    if not moments:
        return None
    return max(moments) + timedelta(days=return_window_days())


def returnable_quantities(order: Order) -> dict[int, int]:
    """Units of each line (by line id) the buyer may still ask back: sent minus asked for and not refused."""
    asked = dict(
        ReturnLine.objects.filter(order_line__order=order)
        .exclude(return_request__status=ReturnRequest.Status.REFUSED)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    shipped = shipped_quantities(order)
    if not shipped and order.status in SENT_STATUSES and not order.shipments.exists():
        shipped = {line.pk: line.quantity for line in order.lines.all()}  # fulfilled before shipments existed
    return {line.pk: max(0, shipped.get(line.pk, 0) - asked.get(line.pk, 0)) for line in order.lines.all()}


def return_requests(order: Order) -> list[ReturnRequest]:
    """The order's return requests with their lines, oldest first."""
    return list(order.return_requests.prefetch_related("lines__order_line").select_related("refund"))


def can_request_return(order: Order, *, now: datetime | None = None) -> bool:
    deadline = return_deadline(order)
    return deadline is not None and (now or timezone.now()) <= deadline and any(returnable_quantities(order).values())


def _parse_quantities(order: Order, quantities: Mapping[str, str]) -> dict[int, int]:
    left = returnable_quantities(order)
    titles = {line.pk: line.title for line in order.lines.all()}
    wanted: dict[int, int] = {}
    for raw_line, raw_quantity in quantities.items():
        line_id = int(raw_line) if raw_line.isascii() and raw_line.isdigit() else None
        if line_id not in left:
            raise ValidationError(gettext("That item is not part of this order."), code="invalid")
        raw_quantity = raw_quantity.strip() or "0"
        if not (raw_quantity.isascii() and raw_quantity.isdigit()):
            raise ValidationError({"quantities": [gettext("Give each quantity as a whole number.")]}, code="invalid")
        quantity = int(raw_quantity)
        if quantity > left[line_id]:
            if left[line_id]:
                message = gettext("You can return at most %(left)s of %(title)s.") % {
                    "left": left[line_id],
                    "title": titles[line_id],
                }
            elif (
                ReturnLine.objects.filter(order_line_id=line_id)
                .exclude(return_request__status=ReturnRequest.Status.REFUSED)
                .exists()
            ):
                message = gettext("Every unit of %(title)s was already asked back.") % {"title": titles[line_id]}
            else:
                message = gettext("%(title)s was not sent yet; it can be returned once it is.") % {
                    "title": titles[line_id]
                }

            raise ValidationError({"quantities": [message]}, code="too_many")
        if quantity:
            wanted[line_id] = quantity
    if not wanted:
        raise ValidationError({"quantities": [gettext("Choose at least one item to return.")]}, code="invalid")
    return wanted


def request_return(
    *, order: Order, request_key: str, quantities: Mapping[str, str], reason: str, now: datetime | None = None
) -> ReturnRequest:
    """The buyer asks to return ``quantities`` ({order line id: units}, as typed); one request per form key.

    Raises ValidationError (nothing written) when the order was not sent, the window closed, a quantity is more
    than is left to return, or the reason is missing.
    """
    reason, request_key = reason.strip(), request_key.strip()
    if not request_key or len(request_key) > 64:
        raise ValidationError(gettext("This form has expired; reload the page and try again."), code="invalid")
    with transaction.atomic():
        # Locked so two requests at once cannot both take the last returnable units.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        existing = ReturnRequest.objects.filter(request_key=request_key).first()
        if existing is not None:
            if existing.order_id != locked.pk:
                raise ValidationError(gettext("This form has expired; reload the page and try again."), code="invalid")
            return existing
        deadline = return_deadline(locked)
        if deadline is None:
            raise ValidationError(gettext("Only an order that was sent can be returned."), code="not_returnable")
        if (now or timezone.now()) > deadline:
            raise ValidationError(
                gettext(
                    "Returns are accepted within %(days)s days of shipping (of delivery, once delivered); this "
                    "order's window closed on %(date)s."
                )
                % {"days": return_window_days(), "date": f"{deadline:%Y-%m-%d}"},
                code="window_closed",
            )
        if not reason:
            raise ValidationError(
                {"reason": [gettext("Tell the store why you are returning these items.")]}, code="invalid"
            )
        if len(reason) > REASON_MAX_LENGTH:
            raise ValidationError(
                {"reason": [gettext("Keep the reason under %(limit)s characters.") % {"limit": REASON_MAX_LENGTH}]},
                code="invalid",
            )
        wanted = _parse_quantities(locked, quantities)
        return_request = ReturnRequest.objects.create(order=locked, request_key=request_key, reason=reason)
        ReturnLine.objects.bulk_create(
            ReturnLine(return_request=return_request, order_line_id=line_id, quantity=quantity)
            for line_id, quantity in sorted(wanted.items())
        )
        record_event(
            order=locked,
            kind=OrderEvent.Kind.RETURN_REQUESTED,
            notes=[
                timeline.note("return_requested", items=_items(return_request), reason=reason, number=return_request.pk)
            ],
        )
        emails.queue_return_requested(locked, return_request)
    return return_request


def _items(return_request: ReturnRequest) -> str:
    return ", ".join(f"{item.quantity} x {item.order_line.sku}" for item in return_request.lines.all())


def return_amount(return_request: ReturnRequest) -> Decimal:
    """What the buyer paid for the returned units: their price less their share of any order discount, plus
    their share of added tax; shipping stays with the order (refund it separately if due)."""
    order = return_request.order
    # The line's total, not its unit price, shares out: a buy-X-get-Y line's units paid less than unit_price
    # on average, and a return never gives back more than was paid (docs/promotions.md).
    returned_list_price = sum(
        (
            item.order_line.line_total * item.quantity / item.order_line.quantity
            for item in return_request.lines.select_related("order_line")
        ),
        Decimal(0),
    )
    return pricing.returned_goods_refund(
        returned_list_price=returned_list_price,
        subtotal=order.subtotal,
        total=order.total,
        shipping=order.shipping_total,
        places=currency_decimals(order.currency),
    )


def _locked_request(order: Order, return_id: int) -> tuple[Order, ReturnRequest]:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    found = ReturnRequest.objects.select_for_update().filter(pk=return_id, order=locked).first()
    if found is None:
        raise ValidationError(gettext("No such return request for this order."), code="not_found")
    return locked, found


def accept_return(*, order: Order, return_id: int, refund: bool, restock: bool, actor: str) -> ReturnRequest:
    """Accept a return: optionally refund the returned units' price through Stripe and put them back in stock.

    Accepting again changes nothing (the refund's key is the request's own, so Stripe refunds once too).
    """
    with transaction.atomic():
        locked, return_request = _locked_request(order, return_id)
        if return_request.status == ReturnRequest.Status.ACCEPTED:
            return return_request
        if return_request.status == ReturnRequest.Status.REFUSED:
            raise ValidationError(gettext("This return was already refused."), code="decided")
        made = None
        if refund:
            amount = min(return_amount(return_request), locked.total - locked.refunded_total)
            if amount > 0:
                made = refund_order(
                    order=locked,
                    request_key=f"return-{return_request.pk}",
                    amount=amount,
                    restock=False,
                    actor=actor,
                    notify_buyer=False,
                )
        returned = 0
        if restock:
            lines = return_request.lines.select_related("order_line")
            returned = return_units(locked, [(item.order_line, item.quantity) for item in lines])
        return_request.status = ReturnRequest.Status.ACCEPTED
        return_request.refund = made
        return_request.restocked = returned > 0
        return_request.decided_by = actor[:100]
        return_request.decided_at = timezone.now()
        return_request.save(update_fields=["status", "refund", "restocked", "decided_by", "decided_at"])
        details = [timeline.note("return_by_actor", actor=actor, number=return_request.pk)]
        if made is not None:
            amount = f"{format_amount(made.amount, currency=locked.currency)} {locked.currency}"
            details.append(timeline.note("refunded_amount", amount=amount))
        if returned:
            details.append(timeline.note("units_back_in_stock", count=returned))
        record_event(order=locked, kind=OrderEvent.Kind.RETURN_ACCEPTED, notes=details)
        emails.queue_return_decided(locked, return_request)
    return return_request


def refuse_return(*, order: Order, return_id: int, note: str, actor: str) -> ReturnRequest:
    """Refuse a return with a note to the buyer; its units may be asked back again (within the window)."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": [gettext("Tell the buyer why the return is refused.")]}, code="invalid")
    if len(note) > NOTE_MAX_LENGTH:
        message = gettext("Keep the note under %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}
        raise ValidationError({"note": [message]}, code="invalid")
    with transaction.atomic():
        locked, return_request = _locked_request(order, return_id)
        if return_request.status == ReturnRequest.Status.REFUSED:
            return return_request
        if return_request.status == ReturnRequest.Status.ACCEPTED:
            raise ValidationError(gettext("This return was already accepted."), code="decided")
        return_request.status = ReturnRequest.Status.REFUSED
        return_request.seller_note = note
        return_request.decided_by = actor[:100]
        return_request.decided_at = timezone.now()
        return_request.save(update_fields=["status", "seller_note", "decided_by", "decided_at"])
        record_event(
            order=locked,
            kind=OrderEvent.Kind.RETURN_REFUSED,
            notes=[timeline.note("return_refused", actor=actor, note=note, number=return_request.pk)],
        )
        emails.queue_return_decided(locked, return_request)
    return return_request
