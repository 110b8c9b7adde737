"""The buyer's order page, reached by the secret link; a return from Stripe re-checks the payment with Stripe."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from storefront.views import _render_themed

from . import selectors
from .models import Order
from .payments import confirm_order_payment


@require_GET
def order_page(request: HttpRequest, token: str) -> HttpResponse:
    order = selectors.order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    if order.status == Order.Status.PENDING_PAYMENT and order.stripe_session_id:
        # The query string Stripe appends is not trusted: Stripe's own record of the session decides.
        order = confirm_order_payment(order=order)
    order = selectors.order_with_details(order.pk)
    return _render_themed(request, "order.html", {"order": order, "title": f"Order #{order.pk}"})
