"""Reads of orders: a buyer's by secret token, the seller's list and one order with its lines and timeline."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from storefront.themes.selectors import store_timezone

from .models import TO_SHIP_STATUSES, Order


def order_by_token(token: str) -> Order | None:
    return Order.objects.filter(token=token).first() if token else None


def orders(*, status: str = "") -> QuerySet[Order]:
    found = Order.objects.all()
    return found.filter(status=status) if status else found


def order_with_details(order_id: int) -> Order | None:
    return (
        Order.objects.prefetch_related("lines__shipment_lines", "events", "shipments__lines__order_line")
        .filter(pk=order_id)
        .first()
    )


# --- The seller's filtered list and its exports ------------------------------------------------------------------

# "To ship": paid with units still to send (nothing or part sent); "partly shipped": part sent; "shipped": every
# unit sent (delivered or not).
FULFILMENT_CHOICES = [
    ("unfulfilled", _("To ship")),
    ("partially_fulfilled", _("Partly shipped")),
    ("fulfilled", _("Shipped")),
]


@dataclass(frozen=True)
class OrderFilters:
    query: str = ""  # an order number ("12" or "#12"), or part of the buyer's email or name
    status: str = ""
    fulfilment: str = ""
    created_from: date | None = None  # inclusive, a day in the store's time zone
    created_to: date | None = None  # inclusive


def day_start(day: date, tz: tzinfo) -> datetime:
    """The first moment of ``day`` in ``tz`` (at a daylight-saving jump over midnight, the first that exists)."""
    return datetime.combine(day, time.min, tzinfo=tz)


def filtered_orders(filters: OrderFilters) -> QuerySet[Order]:
    """The store's orders matching ``filters``, newest first."""
    found = Order.objects.all()
    query = filters.query.strip()
    if query:
        number = query.removeprefix("#").strip()
        matches = Q(email__icontains=query) | Q(ship_name__icontains=query)
        # An id longer than 18 digits cannot exist, and would overflow the bigint comparison.
        if number.isascii() and number.isdigit() and len(number) <= 18:
            matches |= Q(pk=int(number))
        found = found.filter(matches)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.fulfilment == "unfulfilled":
        found = found.filter(status__in=TO_SHIP_STATUSES)
    elif filters.fulfilment == "partially_fulfilled":
        found = found.filter(status=Order.Status.PARTIALLY_FULFILLED)
    elif filters.fulfilment == "fulfilled":
        found = found.filter(status__in=[Order.Status.FULFILLED, Order.Status.DELIVERED])
    tz = store_timezone()
    if filters.created_from:
        found = found.filter(created_at__gte=day_start(filters.created_from, tz))
    if filters.created_to:
        found = found.filter(created_at__lt=day_start(filters.created_to + timedelta(days=1), tz))
    return found.order_by("-created_at", "-id")
