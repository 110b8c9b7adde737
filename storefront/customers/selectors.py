"""Reads of buyer accounts: one customer by id, and the orders in a customer's history."""

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from storefront.orders.models import Order

from .models import BlockedBuyer, Customer, CustomerOrder


def customer_by_id(customer_id: object) -> Customer | None:
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        return None
    return Customer.objects.filter(pk=customer_id).first()


def orders_of(customer: Customer) -> QuerySet[Order]:
    """The customer's orders, newest first; only those placed while signed in or claimed by them."""
    return Order.objects.filter(customer_link__customer=customer).order_by("-created_at", "-id")


def is_in_an_account(order: Order) -> bool:
    return CustomerOrder.objects.filter(order=order).exists()


# Marked here, translated where it is raised (in the page's language).
BLOCKED_MESSAGE = gettext_noop("This store no longer accepts reviews or messages from this address.")


def is_blocked(email: str) -> bool:
    """Whether this store blocked the buyer with ``email`` (any case) from reviewing and messaging it."""
    return bool(email) and BlockedBuyer.objects.filter(email__iexact=email.strip()).exists()


def blocked_buyers() -> QuerySet[BlockedBuyer]:
    return BlockedBuyer.objects.all()
