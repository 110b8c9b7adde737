"""The seller's order API: list and read the store's orders, record shipments and deliveries, refund through Stripe.

Every endpoint needs a live API token of the store whose host is called, as the seller catalog API does; an order
number is looked up in that store's schema only, so another store's number is simply not found.
"""

import hashlib
import secrets

import stripe
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import HeaderEx, Query, Router, Status
from ninja.pagination import paginate

from storefront.orders import payments, selectors, shipments
from storefront.orders.models import Order

from .lookups import found
from .order_schemas import FulfilIn, OrderFilters, OrderOut, OrderSummaryOut, RefundIn, RefundOut
from .pagination import Page
from .schemas import ErrorOut
from .seller import StoreToken

router = Router(auth=StoreToken(), tags=["seller orders"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
IDEMPOTENCY_KEY = {
    "alias": "Idempotency-Key",
    "max_length": 200,
    "description": "Any unique string per refund (a UUID): sending the same request again with it refunds once.",
}
SHIPMENT_KEY = {
    "alias": "Idempotency-Key",
    "max_length": 200,
    "description": "Any unique string per shipment (a UUID): sending the same request again with it ships once.",
}


def _actor(request: HttpRequest) -> str:
    return f"api token {request.auth.prefix}"  # type: ignore[attr-defined]  # django-ninja sets auth: the ApiToken


def _order(number: int) -> Order:
    order = selectors.order_with_details(number) if 0 < number < 2**63 else None
    return found(order, f"order {number}")


def _state_error(error: ValidationError) -> Status:
    """A service's refusal: a field's value is wrong (422), or the order is in the wrong state for it (409)."""
    if hasattr(error, "error_dict"):
        return Status(422, {"detail": "The data is not valid; see errors.", "errors": error.message_dict})
    return Status(409, {"detail": " ".join(error.messages), "errors": {}})


def _refund_key(order: Order, idempotency_key: str | None) -> str:
    # Scoped to the order and kept apart from the dashboard's form keys; hashed to fit the column whatever its length.
    if not idempotency_key:
        return f"api-{secrets.token_urlsafe(24)}"
    return "api-" + hashlib.sha256(f"{order.pk}:{idempotency_key}".encode()).hexdigest()[:60]


def _shipment_key(order: Order, idempotency_key: str | None) -> str:
    return _refund_key(order, f"shipment:{idempotency_key}" if idempotency_key else None)


@router.get("/orders", response=list[OrderSummaryOut])
@paginate(Page)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> QuerySet[Order]:
    """This store's orders, newest first."""
    orders = selectors.orders(status=filters.status or "")
    if filters.created_after is not None:
        orders = orders.filter(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        orders = orders.filter(created_at__lt=filters.created_before)
    if filters.email.strip():
        orders = orders.filter(email__iexact=filters.email.strip())
    return orders


@router.get("/orders/{number}", response={200: OrderOut, **ERRORS})
def get_order(request: HttpRequest, number: int):
    """One order with its lines, totals, shipping address, shipments, refunds and timeline."""
    return _order(number)


@router.post("/orders/{number}/fulfil", response={200: OrderOut, **ERRORS})
def fulfil_order(
    request: HttpRequest,
    number: int,
    payload: FulfilIn,
    idempotency_key: HeaderEx[str | None, SHIPMENT_KEY] = None,
):
    """Record a shipment of a paid order: ``lines`` [{line_id, quantity}] or, left out, every unit still to send.

    The buyer gets one email per shipment with the tracking link. The order becomes partially_fulfilled, or
    fulfilled once nothing is left to send; its ``shipments`` list the parcels. 409 unless paid (or partly sent);
    422 for more units than are left, a line of another order, or a tracking_url that is not http(s).
    """
    order = _order(number)
    quantities = None if payload.lines is None else {str(line.line_id): line.quantity for line in payload.lines}
    try:
        shipments.create_shipment(
            order=order,
            request_key=_shipment_key(order, idempotency_key),
            carrier=payload.carrier,
            tracking_number=payload.tracking_number,
            tracking_url=payload.tracking_url,
            quantities=quantities,
            actor=_actor(request),
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "quantities" in error.error_dict:
            # The service names the form's field; this API's field is "lines".
            error = ValidationError({"lines": error.error_dict["quantities"]})
        return _state_error(error)
    return _order(number)


@router.post("/orders/{number}/shipments/{shipment_id}/delivered", response={200: OrderOut, **ERRORS})
def mark_shipment_delivered(request: HttpRequest, number: int, shipment_id: int):
    """Record that a shipment arrived (again: no change); the order is delivered once fulfilled and all arrived."""
    order = _order(number)
    try:
        shipments.mark_shipment_delivered(
            order=order, shipment_id=shipment_id if 0 < shipment_id < 2**63 else 0, actor=_actor(request)
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "not_found":
            return Status(404, {"detail": f"No shipment {shipment_id} in order {number}.", "errors": {}})
        return _state_error(error)
    return _order(number)


@router.post("/orders/{number}/refund", response={201: RefundOut, 200: RefundOut, 502: ErrorOut, **ERRORS})
def refund_order(
    request: HttpRequest,
    number: int,
    payload: RefundIn,
    idempotency_key: HeaderEx[str | None, IDEMPOTENCY_KEY] = None,
):
    """Give money back through Stripe: all that is left, or ``amount``; 201 for a new refund, 200 for a retry.

    409 when the order was never paid; 422 when the amount is more than what is left to refund.
    """
    order = _order(number)
    try:
        refund, created = payments.refund_order_once(
            order=order,
            request_key=_refund_key(order, idempotency_key),
            amount=payload.amount,
            restock=payload.restock,
            actor=_actor(request),
        )
    except ValidationError as error:
        return _state_error(error)
    except stripe.StripeError as error:
        return Status(502, {"detail": f"Stripe refused the refund: {error.user_message or error}", "errors": {}})
    return Status(201 if created else 200, refund)
