"""The buyer's checkout API: quote a basket, place the order and get Stripe's payment page, read an order's status.

No token: the buyer is a guest, or the store's signed-in buyer when called from its own pages, and placing an
order runs the checkout page's own service (checkout.complete_checkout). An order is read back only with its secret
token, on the host of the store that took it.
"""

import hashlib
import logging
import secrets
from decimal import Decimal
from typing import cast

import stripe
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import HeaderEx, PathEx, Router, Status
from ninja.utils import check_csrf

from platform.kit.money import format_amount
from platform.kit.ratelimit import client_ip
from storefront.cart.models import Cart
from storefront.cart.services import add_to_cart
from storefront.catalog import selectors as catalog_selectors
from storefront.catalog.models import ProductVariant
from storefront.checkout import selectors as checkout_selectors
from storefront.checkout import services as checkout_services
from storefront.checkout.complete_checkout import (
    InvalidCheckout,
    PaymentNotStarted,
    ShortOfStock,
    TooManyNewOrders,
    complete_checkout,
)
from storefront.customers.models import Customer
from storefront.customers.session import current_customer
from storefront.orders import selectors as order_selectors
from storefront.orders.models import Order
from storefront.orders.payments import confirm_order_payment
from storefront.pricing import Totals
from storefront.themes.selectors import store_currency
from tenants.request_types import StoreRequest

from .lookups import found
from .order_schemas import CheckoutIn, CheckoutLineIn, CheckoutOut, PublicOrderOut, QuoteIn, QuoteOut
from .schemas import ErrorOut

logger = logging.getLogger(__name__)

router = Router(tags=["checkout"])
ERRORS = {409: ErrorOut, 422: ErrorOut}
IDEMPOTENCY_KEY = {
    "alias": "Idempotency-Key",
    "max_length": 200,
    "description": "Any unique string per checkout (a UUID): a retried request with it finds the same order.",
}
ORDER_TOKEN = {"max_length": 64, "description": "The order_token checkout answered with."}
# Where checkout's own field names sit in this API's request body.
CHECKOUT_FIELDS = {
    "name": "shipping_address.name",
    "line1": "shipping_address.line1",
    "line2": "shipping_address.line2",
    "city": "shipping_address.city",
    "region": "shipping_address.region",
    "postal_code": "shipping_address.postal_code",
    "country": "shipping_address.country",
    "district": "shipping_address.district",
    "phone": "shipping_address.phone",
    "shipping_rate": "shipping_method_id",
}
QUOTE_FIELDS = {"shipping_rate": "shipping_method_id"}
LINES = {"__all__": "lines"}
STOCK_CODES = {"sold_out", "insufficient"}


def _invalid(errors: dict[str, list[str]]) -> Status:
    return Status(422, {"detail": "The request is not valid; see errors.", "errors": errors})


def _conflict(error: ShortOfStock) -> Status:
    # Short stock for the order as a whole is about its lines.
    return Status(
        409, {"detail": str(error), "errors": {LINES.get(field, field): m for field, m in error.errors.items()}}
    )


def _fill_cart(lines: list[CheckoutLineIn]) -> Cart:
    """Put the lines in a new cart, which checkout's services price and order from; unknown items raise
    ValidationError by line, short stock raises ShortOfStock.

    Call inside a transaction: the cart is only worth keeping if an order is made from it.
    """
    errors: dict[str, list[str]] = {}
    variants: list[ProductVariant] = []
    for index, line in enumerate(lines):
        if line.sku is not None:
            sku = line.sku.strip()
            variant = catalog_selectors.variants(sku=sku).first() if sku else None
            problem, field = f"No product with SKU {line.sku!r} is for sale in this store.", "sku"
        else:
            # CheckoutLineIn lets through a line with either a sku or a variant_id.
            variant = catalog_selectors.variant(cast(int, line.variant_id))
            problem, field = f"No variant {line.variant_id} is for sale in this store.", "variant_id"
        if variant is None:
            errors[f"lines.{index}.{field}"] = [problem]
        else:
            variants.append(variant)
    if errors:
        raise ValidationError(errors)
    cart: Cart | None = None
    for index, (line, variant) in enumerate(zip(lines, variants, strict=True)):
        try:
            cart = add_to_cart(cart=cart, variant_id=variant.pk, quantity=line.quantity)
        except ValidationError as error:
            if getattr(error, "code", None) in STOCK_CODES:
                raise ShortOfStock(error.messages[:1], field=f"lines.{index}.quantity") from error
            # The same variant on several lines can add up past the most a line may hold; or it left sale just now.
            field = f"lines.{index}.quantity" if getattr(error, "code", None) == "quantity" else f"lines.{index}"
            raise ValidationError({field: error.messages}) from error
    if cart is None:  # the request schema already asks for at least one line
        raise ValidationError({"lines": [gettext("Add at least one line.")]})
    return cart


def _totals(totals: Totals, currency: str) -> dict:
    def amount(value: Decimal) -> str:
        return format_amount(value, currency=currency)

    return {
        "currency": currency,
        "subtotal": amount(totals.subtotal),
        "discount": amount(totals.discount),
        "shipping": amount(totals.shipping),
        "tax": amount(totals.tax),
        "total": amount(totals.total),
        "tax_included": totals.tax_included,
    }


def _line_title(variant: ProductVariant) -> str:
    # Named as the order line will be named, so the quote reads like the order it becomes.
    return f"{variant.product.title} ({variant.title})" if variant.option_values else variant.product.title


def _order_totals(order: Order) -> dict:
    return PublicOrderOut.resolve_totals(order)


@router.post("/checkout/quote", response={200: QuoteOut, **ERRORS})
def quote_checkout(request: HttpRequest, payload: QuoteIn):
    """Price lines for a destination, shipping method and discount code, as checkout would; reserves nothing.

    The answer lists the shipping methods offered for the country, with their ids for POST /api/checkout.
    """
    currency = store_currency()
    errors: dict[str, list[str]] = {}
    if payload.postal_code is not None and payload.country:
        try:
            checkout_services.validate_postal_code(payload.country, payload.postal_code)
        except ValidationError as error:
            errors["postal_code"] = error.messages
    try:
        # Checkout prices carts, so the lines go in one for the length of this transaction, then it is rolled back.
        with transaction.atomic():
            cart = _fill_cart(payload.lines)
            offer = checkout_services.quote(
                cart=cart,
                currency=currency,
                prices_include_tax=checkout_selectors.checkout_settings().prices_include_tax,
                country=payload.country or "",
                rate_id=payload.shipping_method_id,
                discount_code=payload.discount_code,
                email=payload.email.strip().lower(),
            )
            answer = {
                "lines": [
                    {
                        "sku": line.variant.sku,
                        "title": _line_title(line.variant),
                        "quantity": line.quantity,
                        "unit_price": format_amount(offer.promoted[line.variant_id].unit_price, currency=currency),
                        "line_total": format_amount(line_total, currency=currency),
                        "promotion": offer.promoted[line.variant_id].label,
                        "promotion_discount": format_amount(
                            offer.promoted[line.variant_id].unit_discount * line.quantity, currency=currency
                        ),
                    }
                    for line, line_total in zip(offer.lines, offer.totals.line_totals, strict=True)
                ],
                "totals": _totals(offer.totals, currency),
                "shipping_methods": [
                    {"id": rate.pk, "name": rate.name, "price": format_amount(rate.price, currency=currency)}
                    for rate in offer.rates
                ],
                "shipping_method_id": offer.rate.pk if offer.rate else None,
                "discount_code": offer.discount.code if offer.discount else "",
            }
            transaction.set_rollback(True)
    except ValidationError as error:
        return _invalid({**errors, **error.message_dict})
    except ShortOfStock as error:
        return _conflict(error)
    errors.update({QUOTE_FIELDS.get(field, field): messages for field, messages in offer.errors.items()})
    if errors:
        return _invalid(errors)
    return answer


def _checkout_key(idempotency_key: str | None) -> str:
    # Hashed to fit Order.checkout_key whatever the client sends, and prefixed apart from the checkout form's keys.
    if not idempotency_key:
        return f"api-{secrets.token_urlsafe(24)}"
    return "api-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:60]


def _signed_in_buyer(request: HttpRequest) -> Customer | None:
    """The store's signed-in buyer, if this request proves it comes from the store's own pages (CSRF token).

    This API asks for no token, so a session cookie alone proves nothing: every store is a sibling subdomain, and
    a page on one is "same site" for the cookie of another. Without the proof the order is a guest's, claimable
    later through its link, as any anonymous call's.
    """
    customer = current_customer(request)
    if customer is None or check_csrf(request) is not None:
        return None
    return customer


@router.post("/checkout", response={201: CheckoutOut, 200: CheckoutOut, 429: ErrorOut, 503: ErrorOut, **ERRORS})
def start_checkout(
    request: StoreRequest, payload: CheckoutIn, idempotency_key: HeaderEx[str | None, IDEMPOTENCY_KEY] = None
):
    """Place an order (stock is held for 30 minutes) and start its payment; send the buyer to ``payment_url``.

    201 for a new order; 200 when this Idempotency-Key already made one (that order comes back, whatever the body).
    The order is paid only once Stripe says so: poll GET /api/orders/{order_token}. 409 when an item ran short.
    Called from the store's own pages with a signed-in buyer's session and CSRF token, the order goes in their
    account, as on the checkout page.
    """
    address = payload.shipping_address
    try:
        done = complete_checkout(
            checkout_key=_checkout_key(idempotency_key),
            cart=lambda: _fill_cart(payload.lines),
            email=payload.email,
            address=checkout_services.Address(
                name=address.name,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country=address.country,
                district=address.district,
                phone=address.phone,
            ),
            rate_id=payload.shipping_method_id,
            discount_code=payload.discount_code,
            expected_total=payload.expected_total,
            site_url=f"{request.scheme}://{request.get_host()}",
            store_name=request.store.name,
            client_ip=client_ip(request),
            customer=_signed_in_buyer(request),
        )
    except TooManyNewOrders as error:
        return Status(429, {"detail": str(error), "errors": {}})
    except PaymentNotStarted:
        # The order and its reservation stand; the same request with the same key resumes here.
        return Status(503, {"detail": "Payment could not start just now; send the same request again.", "errors": {}})
    except ShortOfStock as error:
        return _conflict(error)
    except InvalidCheckout as error:
        return _invalid({CHECKOUT_FIELDS.get(field, field): messages for field, messages in error.errors.items()})
    answer = {
        "order_number": done.order.pk,
        "order_token": done.order.token,
        "status": done.order.status,
        "payment_url": done.payment_url,
        "totals": _order_totals(done.order),
    }
    return Status(201 if done.created else 200, answer)


@router.get("/orders/{token}", response={200: PublicOrderOut, 404: ErrorOut})
def order_status(request: HttpRequest, token: PathEx[str, ORDER_TOKEN]):
    """An order's status and details, for whoever holds its secret token; paid once Stripe confirms the payment."""
    order = found(order_selectors.order_by_token(token), "such order")
    if order.status == Order.Status.PENDING_PAYMENT and order.stripe_session_id:
        # As on the order page: Stripe's record of the session decides, never anything the client sends.
        try:
            order = confirm_order_payment(order=order)
        except stripe.StripeError:
            # Stripe unreachable: answer with the state we know; the webhook or the next poll catches up.
            logger.exception("could not confirm the payment of order %s", order.pk)
    return order_selectors.order_with_details(order.pk)
