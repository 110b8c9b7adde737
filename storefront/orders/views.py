"""The buyer's order page, reached by the secret link, and its return form; Stripe's return re-checks payment."""

import secrets

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from storefront.themes.rendering import render_themed

from . import returns, selectors
from .models import Order
from .payments import confirm_order_payment

# Asking too late, or for an order that was not sent, conflicts with the order's state; anything else is a bad form.
_RETURN_STATUS_BY_CODE = {"not_returnable": 409, "window_closed": 409}


def _order_page(request: HttpRequest, order: Order, *, status: int = 200, **extra: object) -> HttpResponse:
    detailed = selectors.order_with_details(order.pk)
    if detailed is None:  # deleted since the caller read it
        raise Http404("No such order.")
    order = detailed
    left = returns.returnable_quantities(order)
    context = {
        "order": order,
        "title": _("Order #%(number)s") % {"number": order.pk},
        "return_requests": returns.return_requests(order),
        "can_return": returns.can_request_return(order),
        "return_deadline": returns.return_deadline(order),
        "returnable_lines": [(line, left[line.pk]) for line in order.lines.all() if left[line.pk] > 0],
        "return_key": secrets.token_urlsafe(24),
        **extra,
    }
    # The timeline and dates read in the store's own time zone, as its seller sees them in the dashboard.
    with timezone.override(selectors.store_timezone()):
        return render_themed(request, "order.html", context, status=status)


@require_GET
def order_page(request: HttpRequest, token: str) -> HttpResponse:
    order = selectors.order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    if order.status == Order.Status.PENDING_PAYMENT and order.stripe_session_id:
        # The query string Stripe appends is not trusted: Stripe's own record of the session decides.
        order = confirm_order_payment(order=order)
    return _order_page(request, order)


@require_POST
def request_return(request: HttpRequest, token: str) -> HttpResponse:
    order = selectors.order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    quantities = {
        key.removeprefix("quantity-"): request.POST.get(key, "") for key in request.POST if key.startswith("quantity-")
    }
    try:
        returns.request_return(
            order=order,
            request_key=request.POST.get("return_key", ""),
            quantities=quantities,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        return _order_page(
            request,
            order,
            status=_RETURN_STATUS_BY_CODE.get(getattr(error, "code", None) or "", 400),
            return_error=" ".join(error.messages),
            return_draft={"reason": request.POST.get("reason", "")[:1000], "quantities": quantities},
        )
    return redirect(f"/orders/{order.token}/#returns")
