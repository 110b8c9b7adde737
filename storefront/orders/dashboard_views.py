"""The seller's order pages in the dashboard: the list, one order with its timeline, and fulfilment."""

import secrets

import stripe
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from storefront.catalog.money import parse_amount
from storefront.dashboard.permissions import require_role
from tenants.models import Role

from . import payments, selectors, services
from .models import Order


def _order(order_number: str) -> Order:
    # A str segment, checked here, so the role check runs before anything about the URL is judged.
    order = selectors.order_with_details(int(order_number)) if order_number.isdigit() else None
    if order is None:
        raise Http404("No such order.")
    return order


@require_role(Role.STAFF)
def order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Order.Status.values:
        status = ""
    context = {
        "membership": request.membership,
        "orders": selectors.orders(status=status)[:200],
        "statuses": Order.Status.choices,
        "status": status,
    }
    return render(request, "dashboard/orders.html", context)


@require_role(Role.STAFF)
def order_detail(request: HttpRequest, order_number: str) -> HttpResponse:
    order = _order(order_number)
    context = {"membership": request.membership, "order": order, "refund_key": secrets.token_urlsafe(24)}
    return render(request, "dashboard/order_detail.html", context)


@require_role(Role.STAFF)
@require_POST
def order_fulfil(request: HttpRequest, order_number: str) -> HttpResponse:
    order = _order(order_number)
    try:
        services.fulfil_order(
            order=order,
            carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Order #{order.pk} is marked fulfilled.")
    return redirect(f"/dashboard/orders/{order.pk}/")


@require_role(Role.MANAGER)
@require_POST
def order_refund(request: HttpRequest, order_number: str) -> HttpResponse:
    order = _order(order_number)
    raw = request.POST.get("amount", "").strip()
    try:
        amount = parse_amount(raw, currency=order.currency, label="Amount") if raw else None
        payments.refund_order(
            order=order,
            request_key=request.POST.get("refund_key", "")[:64] or secrets.token_urlsafe(24),
            amount=amount,
            restock=request.POST.get("restock") == "on",
            actor=request.user.email,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except stripe.StripeError as error:
        messages.error(request, f"Stripe refused the refund: {error.user_message or error}")
    else:
        messages.success(request, f"Refunded order #{order.pk}.")
    return redirect(f"/dashboard/orders/{order.pk}/")
