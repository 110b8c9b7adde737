"""Reports on a store's orders: the CSV exports of a filtered list, and the sales overview's figures.

Sales rule: an order counts when it was paid (``paid_at`` set) and is not cancelled; it counts on the day it was
paid, in the store's time zone, for its total (merchandise after discount, shipping and any tax added) less what
was refunded of it so far. Only orders in the store's current currency are added up.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Sum,
    TextField,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone

from platform.kit.money import format_amount
from platform.kit.spreadsheet import csv_lines, formula_safe
from storefront.themes.selectors import store_timezone

from .models import Order, OrderLine, Shipment
from .selectors import day_start

EXPORT_CHUNK = 500
ORDER_COLUMNS = [
    "order_number", "created_at", "status", "paid_at", "fulfilled_at", "email", "ship_name", "ship_line1",
    "ship_line2", "ship_city", "ship_region", "ship_postal_code", "ship_country", "shipping_method", "carrier",
    "tracking_number", "discount_code", "items", "currency", "subtotal", "discount_total", "shipping_total", "tax_total",
    "prices_include_tax", "total", "refunded_total",
]  # fmt: skip
LINE_COLUMNS = [
    "order_number", "created_at", "status", "email", "sku", "title", "quantity", "unit_price", "line_total",
    "currency",
]  # fmt: skip
TOP_PRODUCTS = 10
SALES_DAYS = 30


# --- CSV export ------------------------------------------------------------------------------------------------


def csv_cell(value: object, tz: tzinfo | None = None) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (=, +, -, @, tab, CR) gets a leading '.

    Times are written in ``tz``, by default the store's zone, with their offset.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(tz or store_timezone()).isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return formula_safe(str(value))


def _csv_lines(header: list[str], rows: Iterable[list[object]], tz: tzinfo) -> Iterator[str]:
    yield from csv_lines([header])
    yield from csv_lines([csv_cell(value, tz) for value in row] for row in rows)


def _in_chunks(found: QuerySet) -> Iterator:
    """Every row of ``found`` by ascending id, a chunk per query, so a big export never holds all rows at once."""
    last = 0
    while True:
        chunk = list(found.filter(pk__gt=last).order_by("pk")[:EXPORT_CHUNK])
        yield from chunk
        if len(chunk) < EXPORT_CHUNK:
            return
        last = chunk[-1].pk


# Columns whose value is not the order's attribute of the same name.
_ORDER_SOURCES = {"order_number": "pk", "items": "item_count"}


def _shipments_text(field: str) -> Subquery:
    """The order's shipments' ``field`` values, oldest shipment first, joined by "; " (one query, no row fan-out)."""
    per_order = Shipment.objects.filter(order=OuterRef("pk")).order_by().values("order")
    joined = per_order.annotate(text=StringAgg(field, Value("; "), order_by=("created_at", "id"))).values("text")
    return Subquery(joined, output_field=TextField())


def order_csv(orders: QuerySet[Order]) -> Iterator[str]:
    """One line per order of ``orders`` (oldest first) with its totals, as ORDER_COLUMNS lists.

    ``carrier`` and ``tracking_number`` list every shipment's, oldest first, separated by "; ".
    """
    annotated = orders.annotate(
        item_count=Coalesce(Sum("lines__quantity"), 0),
        carrier=Coalesce(_shipments_text("carrier"), Value(""), output_field=TextField()),
        tracking_number=Coalesce(_shipments_text("tracking_number"), Value(""), output_field=TextField()),
    )
    rows = (
        [getattr(order, _ORDER_SOURCES.get(column, column)) for column in ORDER_COLUMNS]
        for order in _in_chunks(annotated)
    )
    # The zone is read now, in the request: the lines are streamed after it, when the profile isn't remembered.
    return _csv_lines(ORDER_COLUMNS, rows, store_timezone())


def _line_value(line: OrderLine, column: str) -> object:
    if column == "order_number":
        return line.order_id
    if column in ("created_at", "status", "email", "currency"):
        return getattr(line.order, column)
    return getattr(line, column)


def order_lines_csv(orders: QuerySet[Order]) -> Iterator[str]:
    """One line per order line of ``orders``, as LINE_COLUMNS lists."""
    lines = OrderLine.objects.filter(order__in=orders.order_by().values("pk")).select_related("order")
    rows = ([_line_value(line, column) for column in LINE_COLUMNS] for line in _in_chunks(lines))
    return _csv_lines(LINE_COLUMNS, rows, store_timezone())


# --- Sales overview --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesDay:
    day: date
    orders: int
    gross: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunded


@dataclass(frozen=True)
class TopProduct:
    sku: str
    title: str
    units: int
    revenue: Decimal


@dataclass(frozen=True)
class SalesOverview:
    currency: str
    days: list[SalesDay]
    orders: int
    gross: Decimal
    refunded: Decimal
    net: Decimal
    average_order_value: Decimal
    top_by_revenue: list[TopProduct]
    top_by_units: list[TopProduct]


def counted_orders(currency: str) -> QuerySet[Order]:
    """The orders the sales figures add up (see the module's rule)."""
    return Order.objects.filter(paid_at__isnull=False, currency=currency).exclude(status=Order.Status.CANCELLED)


def sales_overview(*, currency: str, today: date | None = None, days: int = SALES_DAYS) -> SalesOverview:
    """The last ``days`` days up to and including ``today`` (in the store's zone); two queries whatever the data."""
    tz = store_timezone()
    today = today or timezone.now().astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    window = counted_orders(currency).filter(
        paid_at__gte=day_start(first, tz), paid_at__lt=day_start(today + timedelta(days=1), tz)
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    per_day = {
        row["day"]: row
        for row in window.annotate(day=TruncDate("paid_at", tzinfo=tz))
        .values("day")
        .annotate(orders=Count("pk"), gross=Sum("total"), refunded=Sum("refunded_total"))
        .order_by()
    }
    zero = Decimal("0")
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row: Mapping[str, Any] = per_day.get(day, {})
        series.append(SalesDay(day, row.get("orders", 0), row.get("gross") or zero, row.get("refunded") or zero))
    order_count = sum(day.orders for day in series)
    gross = sum((day.gross for day in series), zero)
    refunded = sum((day.refunded for day in series), zero)
    net = gross - refunded
    average = Decimal(format_amount(net / order_count, currency=currency)) if order_count else zero

    products = (
        OrderLine.objects.filter(order__in=window.values("pk"))
        .values("sku")
        .annotate(
            # Lines keep the title they were sold under; one of them names the product.
            title=Max("title"),
            units=Sum("quantity"),
            revenue=Coalesce(Sum("line_total"), Value(zero), output_field=money),
        )
        .order_by()
    )
    # Both top lists from one pass over the window's lines: each product ranked both ways, the top of either kept.
    revenue_order = [F("revenue").desc(), F("units").desc(), F("sku").asc()]
    units_order = [F("units").desc(), F("revenue").desc(), F("sku").asc()]
    ranked = products.annotate(
        revenue_rank=Window(RowNumber(), order_by=revenue_order),
        units_rank=Window(RowNumber(), order_by=units_order),
    ).filter(Q(revenue_rank__lte=TOP_PRODUCTS) | Q(units_rank__lte=TOP_PRODUCTS))
    tops = list(ranked)
    by_revenue = _top(
        sorted((row for row in tops if row["revenue_rank"] <= TOP_PRODUCTS), key=itemgetter("revenue_rank"))
    )
    by_units = _top(sorted((row for row in tops if row["units_rank"] <= TOP_PRODUCTS), key=itemgetter("units_rank")))
    return SalesOverview(
        currency=currency,
        days=series,
        orders=order_count,
        gross=gross,
        refunded=refunded,
        net=net,
        average_order_value=average,
        top_by_revenue=by_revenue,
        top_by_units=by_units,
    )


def _top(rows: Iterable[Mapping[str, Any]]) -> list[TopProduct]:
    return [TopProduct(row["sku"], row["title"], row["units"], row["revenue"]) for row in rows]


# --- The chart: an inline SVG, drawn on the server so it needs no script ----------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 200, 10


@dataclass(frozen=True)
class ChartBar:
    day: date
    x: float
    y: float
    width: float
    height: float
    net: Decimal
    orders: int
    center_x: float
    order_y: float


def chart_bars(days: list[SalesDay]) -> list[ChartBar]:
    """One bar per day, as tall as its net revenue; ``order_y`` places the day's order count on a second scale."""
    if not days:
        return []
    slot = CHART_WIDTH / len(days)
    plot = CHART_HEIGHT - CHART_TOP
    top_net = max((day.net for day in days), default=Decimal(0))
    top_orders = max((day.orders for day in days), default=0)
    bars = []
    for index, day in enumerate(days):
        height = float(day.net / top_net) * plot if top_net > 0 and day.net > 0 else 0.0
        order_y = CHART_HEIGHT - (day.orders / top_orders) * plot if top_orders else float(CHART_HEIGHT)
        bars.append(
            ChartBar(
                day=day.day,
                x=round(index * slot + 1, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(slot - 2, 2),
                height=round(height, 2),
                net=day.net,
                orders=day.orders,
                center_x=round(index * slot + slot / 2, 2),
                order_y=round(order_y, 2),
            )
        )
    return bars
