"""The order's history: one writer of OrderEvent rows, used by every service that changes an order."""

from .models import Order, OrderEvent


def record_event(*, order: Order, kind: str, message: str = "") -> None:
    OrderEvent.objects.create(order=order, kind=kind, message=message[:500])
