"""Completing a checkout: the one sequence behind the checkout page's Pay button and POST /api/checkout."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.core.exceptions import ValidationError
from django.db import transaction

from billing.connect import PaymentsUnavailable
from storefront.cart.models import Cart
from storefront.customers.models import Customer
from storefront.customers.services import link_order
from storefront.orders.models import Order
from storefront.orders.payments import start_payment
from storefront.orders.services import OutOfStock
from storefront.themes.selectors import store_currency

from . import limits, selectors, services
from .services import Address

logger = logging.getLogger(__name__)


class CheckoutNotCompleted(Exception):
    """Why no payment page can be offered; ``errors`` are keyed by checkout field ("__all__": the whole order)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(" ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


class TooManyNewOrders(CheckoutNotCompleted):
    """This client address started its hourly share of new orders; a retry of an existing one is never refused."""

    def __init__(self) -> None:
        super().__init__({"__all__": [limits.TOO_MANY_ORDERS]})


class InvalidCheckout(CheckoutNotCompleted):
    """The buyer's details or the basket are wrong, or the store can't take payments; nothing was written."""


class ShortOfStock(CheckoutNotCompleted):
    """A line wants more units than are left: the request was right, the store can't fill it; nothing was written."""

    def __init__(self, messages: list[str], *, field: str = "__all__") -> None:
        super().__init__({field: messages})


class PaymentNotStarted(CheckoutNotCompleted):
    """Stripe could not be reached: the order and its reservation stand, and the same key resumes it."""

    def __init__(self, order: Order) -> None:
        super().__init__({"__all__": ["Payment could not start just now."]})
        self.order = order


@dataclass(frozen=True)
class CompletedCheckout:
    order: Order
    # False when the checkout key had made this order already (a retry), so nothing new was written.
    created: bool
    # Stripe's payment page; None once the order no longer awaits payment (paid or released since).
    payment_url: str | None


def complete_checkout(
    *,
    checkout_key: str,
    cart: Callable[[], Cart],
    email: str,
    address: Address,
    rate_id: int | None,
    discount_code: str,
    expected_total: Decimal | None,
    site_url: str,
    store_name: str,
    client_ip: str,
    customer: Customer | None,
    sponsored_campaign_id: int | None = None,
) -> CompletedCheckout:
    """Place the order for the cart ``cart()`` returns, or resume the one ``checkout_key`` made, and start its payment.

    ``cart`` is called only for a new order, inside the order's transaction (a cart made for the order goes if no
    order is made); it may raise ValidationError by field or ShortOfStock. A new order is counted against
    ``client_ip``'s hourly limit; a signed-in ``customer`` gets it in their account in the same transaction.
    Raises a CheckoutNotCompleted subclass when there is no payment page to go to. Call it outside any transaction
    (requests run in autocommit), so the order is committed before Stripe is asked for its payment page.
    """
    try:
        order = services.resume_order(checkout_key=checkout_key)
    except services.CheckoutError as error:
        raise InvalidCheckout(error.message_dict) from error
    created = False
    if order is None:
        if not limits.allow_new_order(client_ip=client_ip):
            raise TooManyNewOrders()
        order, created = _place(
            checkout_key=checkout_key,
            cart=cart,
            email=email,
            address=address,
            rate_id=rate_id,
            discount_code=discount_code,
            expected_total=expected_total,
            site_url=site_url,
            customer=customer,
            sponsored_campaign_id=sponsored_campaign_id,
        )
    # After the commit: Stripe is a network call no row lock should wait on, and its webhooks must find the order.
    return CompletedCheckout(
        order=order, created=created, payment_url=resume_payment(order=order, store_name=store_name)
    )


def resume_payment(*, order: Order, store_name: str) -> str | None:
    """The Stripe payment page of an order that awaits payment (its one Checkout Session, started if need be), or
    None when it no longer awaits payment. The last step of complete_checkout, and the order page's "Pay now".

    Raises InvalidCheckout when the store can't take payments now, PaymentNotStarted when Stripe can't be reached.
    """
    if order.status != Order.Status.PENDING_PAYMENT:
        return None
    try:
        return start_payment(order=order, store_name=store_name)
    except PaymentsUnavailable as error:
        raise InvalidCheckout({"__all__": error.messages}) from error
    except stripe.StripeError as error:
        logger.exception("could not start payment of order %s", order.pk)
        raise PaymentNotStarted(order) from error


def _place(
    *,
    checkout_key: str,
    cart: Callable[[], Cart],
    email: str,
    address: Address,
    rate_id: int | None,
    discount_code: str,
    expected_total: Decimal | None,
    site_url: str,
    customer: Customer | None,
    sponsored_campaign_id: int | None,
) -> tuple[Order, bool]:
    try:
        with transaction.atomic():
            placement = services.place_order_once(
                cart=cart(),
                checkout_key=checkout_key,
                email=email,
                address=address,
                rate_id=rate_id,
                discount_code=discount_code,
                currency=store_currency(),
                prices_include_tax=selectors.checkout_settings().prices_include_tax,
                site_url=site_url,
                expected_total=expected_total,
                sponsored_campaign_id=sponsored_campaign_id,
            )
            if not placement.created:
                # A concurrent request with the same key made the order first: whatever this one wrote goes.
                transaction.set_rollback(True)
            elif customer is not None:
                # Only the order this request made: replaying someone's key must not move their order into an account.
                link_order(customer=customer, order=placement.order)
    except services.CheckoutError as error:
        if isinstance(error.__cause__, OutOfStock):
            raise ShortOfStock(error.messages) from error
        raise InvalidCheckout(error.message_dict) from error
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        raise InvalidCheckout(errors) from error
    return placement.order, placement.created
