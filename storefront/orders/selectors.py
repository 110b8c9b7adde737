"""Reads of orders: a buyer's by secret token, the seller's list and one order with its lines and timeline."""

from django.db.models import QuerySet

from .models import Order


def order_by_token(token: str) -> Order | None:
    return Order.objects.filter(token=token).first() if token else None


def orders(*, status: str = "") -> QuerySet[Order]:
    found = Order.objects.all()
    return found.filter(status=status) if status else found


def order_with_details(order_id: int) -> Order | None:
    return Order.objects.prefetch_related("lines", "events").filter(pk=order_id).first()
