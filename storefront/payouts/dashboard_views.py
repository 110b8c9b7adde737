"""The seller's money pages: each marketplace order's payout, and the monthly statement (page and CSV)."""

from datetime import date

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from platform.kit.spreadsheet import csv_lines
from storefront.seller_access import require_role
from storefront.themes.selectors import store_currency, store_timezone
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import selectors

STATEMENT_COLUMNS = ["Date", "Order", "Entry", "Paid by the buyer", "Platform fee", "Refunded to the buyer",
                     "Transferred to you", "Taken back", "Stripe reference"]  # fmt: skip


def _month(value: str) -> date:
    """The month of a ``YYYY-MM`` address segment; 404 for anything else (never a 500)."""
    year, _, month = value.partition("-")
    if not (year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12 and year >= "2000"):
        raise Http404("No such month.")
    return date(int(year), int(month), 1)


@require_role(Role.MANAGER)
def payouts(request: DashboardRequest) -> HttpResponse:
    today = timezone.localtime(timezone.now(), store_timezone()).date()
    context = {
        "membership": request.membership,
        "payouts": selectors.order_payouts(),
        "this_month": f"{today:%Y-%m}",
    }
    return render(request, "dashboard/payouts.html", context)


@require_role(Role.MANAGER)
def statement(request: DashboardRequest, month: str) -> HttpResponse:
    found = selectors.monthly_statement(month=_month(month), tz=store_timezone(), currency=store_currency())
    context = {"membership": request.membership, "statement": found, "month": month, "timezone": store_timezone()}
    return render(request, "dashboard/payout_statement.html", context)


@require_role(Role.MANAGER)
def statement_csv(request: DashboardRequest, month: str) -> StreamingHttpResponse:
    tz = store_timezone()
    found = selectors.monthly_statement(month=_month(month), tz=tz, currency=store_currency())
    rows: list[list[object]] = [list(STATEMENT_COLUMNS)]
    for row in found.rows:
        rows.append(
            [
                timezone.localtime(row.when, tz).strftime("%Y-%m-%d %H:%M"),
                row.order_id,
                row.kind,
                row.paid,
                row.platform_fee,
                row.refunded,
                row.transferred,
                row.taken_back,
                row.stripe_id,
            ]
        )
    rows.append(["", "", "total", found.paid, found.platform_fee, found.refunded, found.transferred,
                 found.taken_back, f"net payout {found.net} {found.currency}"])  # fmt: skip
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statement-{month}.csv"'
    return response
