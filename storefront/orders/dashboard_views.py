"""The seller's order pages: the list, one order with its timeline, shipments, refunds, cancellation, returns."""

import secrets
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode

import stripe
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from platform.kit.ids import id_or_404, parse_id
from platform.kit.keyset import keyset_page
from platform.kit.money import format_money, parse_amount
from storefront.seller_access import require_role
from storefront.themes.selectors import store_currency
from tenants.connection import connection
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import cancellation, payments, reports, returns, selectors, shipments
from .models import Order
from .tracking import CARRIERS


def _order(order_number: str) -> Order:
    # A str segment, checked here, so the role check runs before anything about the URL is judged.
    number = parse_id(order_number)
    order = selectors.order_with_details(number) if number is not None else None
    if order is None:
        raise Http404("No such order.")
    return order


ORDERS_PER_PAGE = 50
# Dates outside this range are typing mistakes, and would overflow the day arithmetic.
FILTER_YEARS = range(2000, 2200)


def _order_filters(params: dict) -> tuple[selectors.OrderFilters, list[str]]:
    """The list's filters from the query string; unusable values are dropped, with a message saying so."""
    problems = []
    status = params.get("status", "")
    fulfilment = params.get("fulfilment", "")
    days: dict[str, date | None] = {}
    for name, label in (("created_from", "From"), ("created_to", "To")):
        raw = params.get(name, "").strip()
        try:
            day = date.fromisoformat(raw) if raw else None
        except ValueError:
            day = None
        if raw and (day is None or day.year not in FILTER_YEARS):
            problems.append(f"“{label}” must be a date such as 2024-05-31; it was ignored.")
            day = None
        days[name] = day
    if days["created_from"] and days["created_to"] and days["created_to"] < days["created_from"]:
        problems.append("“To” is before “From”, so no order can match.")
    filters = selectors.OrderFilters(
        query=params.get("q", "").strip()[:200],
        status=status if status in Order.Status.values else "",
        fulfilment=fulfilment if fulfilment in dict(selectors.FULFILMENT_CHOICES) else "",
        created_from=days["created_from"],
        created_to=days["created_to"],
    )
    return filters, problems


def _filter_params(filters: selectors.OrderFilters) -> str:
    values = {
        "q": filters.query,
        "status": filters.status,
        "fulfilment": filters.fulfilment,
        "created_from": filters.created_from.isoformat() if filters.created_from else "",
        "created_to": filters.created_to.isoformat() if filters.created_to else "",
    }
    return urlencode({name: value for name, value in values.items() if value})


@require_role(Role.STAFF)
def order_list(request: DashboardRequest) -> HttpResponse:
    filters, problems = _order_filters(request.GET)
    # Newest first, a page from the key of the row before it: as fast deep in 100,000 orders as on top.
    page = keyset_page(
        selectors.filtered_orders(filters), order=("-created_at", "-id"), per_page=ORDERS_PER_PAGE, params=request.GET
    )
    context = {
        "membership": request.membership,
        "orders": page.rows,
        "page": page,
        "filters": filters,
        "problems": problems,
        "filter_params": _filter_params(filters),
        "filtered": filters != selectors.OrderFilters(),
        "statuses": Order.Status.choices,
        "fulfilments": selectors.FULFILMENT_CHOICES,
        "status": filters.status,
    }
    return render(request, "dashboard/orders.html", context, status=400 if problems else 200)


def _csv_response(lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    schema = connection.schema_name

    def in_this_store() -> Iterator[str]:
        # The body is produced after the view returns; the rows must still come from this store's schema.
        with schema_context(schema):
            yield from lines

    response = StreamingHttpResponse(in_this_store(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_role(Role.STAFF)
def order_export_csv(request: DashboardRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, one row per order (the list's own query string)."""
    filters, _ = _order_filters(request.GET)
    found = selectors.filtered_orders(filters)
    return _csv_response(reports.order_csv(found), f"orders-{timezone.now():%Y%m%d-%H%M}.csv")


@require_role(Role.STAFF)
def order_lines_export_csv(request: DashboardRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, one row per order line."""
    filters, _ = _order_filters(request.GET)
    found = selectors.filtered_orders(filters)
    return _csv_response(reports.order_lines_csv(found), f"order-lines-{timezone.now():%Y%m%d-%H%M}.csv")


@require_role(Role.STAFF)
def sales_overview(request: DashboardRequest) -> HttpResponse:
    overview = reports.sales_overview(currency=store_currency())
    context = {
        "membership": request.membership,
        "overview": overview,
        "bars": reports.chart_bars(overview.days),
        "axes": reports.chart_axes(overview.days, currency=overview.currency),
        "chart": {"width": reports.CHART_WIDTH, "height": reports.CHART_HEIGHT},
        "timezone": selectors.store_timezone(),
    }
    return render(request, "dashboard/sales.html", context)


@require_role(Role.STAFF)
def order_detail(request: DashboardRequest, order_number: str) -> HttpResponse:
    order = _order(order_number)
    left = shipments.shippable_quantities(order) if order.status in shipments.SHIPPABLE_STATUSES else {}
    shipped = shipments.shipped_quantities(order)
    context = {
        "membership": request.membership,
        "order": order,
        "refund_key": secrets.token_urlsafe(24),
        "shipment_key": secrets.token_urlsafe(24),
        # (line, units sent so far, units still to send); the form offers the last, all of it by default.
        "shipment_lines": [(line, shipped.get(line.pk, 0), left.get(line.pk, 0)) for line in order.lines.all()],
        "can_ship": any(left.values()),
        "shipments": list(order.shipments.all()),
        "known_carriers": [carrier.name for carrier in CARRIERS],
        "return_requests": returns.return_requests(order),
    }
    return render(request, "dashboard/order_detail.html", context)


@require_role(Role.STAFF)
@require_POST
def order_fulfil(request: DashboardRequest, order_number: str) -> HttpResponse:
    """Record a shipment: the form's per-line quantities, or every unit left when it sends none."""
    order = _order(order_number)
    quantities = {
        key.removeprefix("quantity-"): value for key, value in request.POST.items() if key.startswith("quantity-")
    }
    try:
        shipment = shipments.create_shipment(
            order=order,
            # A form without its key (an old page) still works, once per click.
            request_key=request.POST.get("shipment_key", "")[:64] or secrets.token_urlsafe(24),
            carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
            tracking_url=request.POST.get("tracking_url", ""),
            quantities=quantities or None,
            actor=request.user.email,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        order.refresh_from_db()
        if order.status == Order.Status.PARTIALLY_FULFILLED:
            done = _("Shipment %(shipment)s recorded; order #%(order)s is partly fulfilled.")
        else:
            done = _("Shipment %(shipment)s recorded; order #%(order)s is marked fulfilled.")
        messages.success(request, done % {"shipment": shipment.pk, "order": order.pk})
    return redirect(f"/dashboard/orders/{order.pk}/#shipments")


def _shipment_id(shipment_id: str) -> int:
    return id_or_404(shipment_id, message="No such shipment.")


@require_role(Role.STAFF)
@require_POST
def shipment_delivered(request: DashboardRequest, order_number: str, shipment_id: str) -> HttpResponse:
    order = _order(order_number)
    try:
        shipment = shipments.mark_shipment_delivered(
            order=order, shipment_id=_shipment_id(shipment_id), actor=request.user.email
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "not_found":
            raise Http404("No such shipment.") from error
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Shipment %(shipment)s is marked delivered.") % {"shipment": shipment.pk})
    return redirect(f"/dashboard/orders/{order.pk}/#shipments")


@require_role(Role.STAFF)
@require_POST
def order_delivered(request: DashboardRequest, order_number: str) -> HttpResponse:
    order = _order(order_number)
    try:
        shipments.mark_order_delivered(order=order, actor=request.user.email)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Order #%(order)s is marked delivered.") % {"order": order.pk})
    return redirect(f"/dashboard/orders/{order.pk}/#shipments")


@require_role(Role.MANAGER)
@require_POST
def order_refund(request: DashboardRequest, order_number: str) -> HttpResponse:
    order = _order(order_number)
    raw = request.POST.get("amount", "").strip()
    try:
        amount = parse_amount(raw, currency=order.currency, label=_("Amount")) if raw else None
        refund = payments.refund_order(
            order=order,
            # Prefixed so a typed-in key can never be one Mercato makes itself (cancel-order-N, return-N).
            request_key="form-" + (request.POST.get("refund_key", "")[:59] or secrets.token_urlsafe(24)),
            amount=amount,
            restock=request.POST.get("restock") == "on",
            actor=request.user.email,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except stripe.StripeError as error:
        messages.error(request, _("Stripe refused the refund: %(reason)s") % {"reason": error.user_message or error})
    else:
        messages.success(
            request,
            _("Refunded %(amount)s of order #%(order)s.")
            % {"amount": format_money(refund.amount, order.currency), "order": order.pk},
        )
    return redirect(f"/dashboard/orders/{order.pk}/")


@require_role(Role.MANAGER)
@require_POST
def order_cancel(request: DashboardRequest, order_number: str) -> HttpResponse:
    order = _order(order_number)
    refunded_before = order.refunded_total
    try:
        order = cancellation.cancel_order(
            order=order, restock=request.POST.get("restock") == "on", actor=request.user.email
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except stripe.StripeError as error:
        messages.error(
            request,
            _("Stripe refused the refund, so the order is not cancelled: %(reason)s")
            % {"reason": error.user_message or error},
        )
    else:
        refunded = order.refunded_total - refunded_before
        if refunded > 0:
            message = _("Order #%(order)s is cancelled; %(amount)s refunded to the buyer.") % {
                "order": order.pk,
                "amount": format_money(refunded, order.currency),
            }
        else:
            message = _("Order #%(order)s is cancelled.") % {"order": order.pk}
        messages.success(request, message)
    return redirect(f"/dashboard/orders/{order.pk}/")


def _return_id(return_id: str) -> int:
    return id_or_404(return_id, message="No such return request.")


@require_role(Role.MANAGER)
@require_POST
def return_accept(request: DashboardRequest, order_number: str, return_id: str) -> HttpResponse:
    order = _order(order_number)
    try:
        accepted = returns.accept_return(
            order=order,
            return_id=_return_id(return_id),
            refund=request.POST.get("refund") == "on",
            restock=request.POST.get("restock") == "on",
            actor=request.user.email,
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "not_found":
            raise Http404("No such return request.") from error
        messages.error(request, " ".join(error.messages))
    except stripe.StripeError as error:
        messages.error(
            request,
            _("Stripe refused the refund, so the return is not accepted: %(reason)s")
            % {"reason": error.user_message or error},
        )
    else:
        refund = accepted.refund
        if refund:
            message = _("The return is accepted; %(amount)s refunded to the buyer.") % {
                "amount": format_money(refund.amount, order.currency)
            }
        else:
            message = _("The return is accepted.")
        messages.success(request, message)
    return redirect(f"/dashboard/orders/{order.pk}/#returns")


@require_role(Role.STAFF)
@require_POST
def return_refuse(request: DashboardRequest, order_number: str, return_id: str) -> HttpResponse:
    order = _order(order_number)
    try:
        returns.refuse_return(
            order=order, return_id=_return_id(return_id), note=request.POST.get("note", ""), actor=request.user.email
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "not_found":
            raise Http404("No such return request.") from error
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The return is refused; the buyer is told why."))
    return redirect(f"/dashboard/orders/{order.pk}/#returns")
