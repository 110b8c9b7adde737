"""The order's history: one writer of OrderEvent rows, used by every service that changes an order."""

from django.utils.translation import ngettext

from .models import Order, OrderEvent


def record_event(*, order: Order, kind: str, message: str = "") -> None:
    OrderEvent.objects.create(order=order, kind=kind, message=message[:500])


def units_back_in_stock(count: int) -> str:
    """The timeline's words for restocked units: "1 unit back in stock", "3 units back in stock"."""
    return ngettext("%(count)d unit back in stock", "%(count)d units back in stock", count) % {"count": count}
