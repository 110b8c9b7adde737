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
from django.db.models.functions import Coalesce, RowNumber
from django.utils import dateformat, timezone
from django.utils.translation import pgettext

from platform.kit.money import format_amount, format_money
from platform.kit.spreadsheet import csv_lines, formula_safe
from storefront.themes.selectors import store_timezone

from .models import DailyProductSales, DailySales, Order, OrderLine, ProductSalesWindow, SalesWindow, Shipment
from .sales_days import SALES_DAYS

EXPORT_CHUNK = 500
ORDER_COLUMNS = [
    "order_number", "created_at", "status", "paid_at", "fulfilled_at", "email", "ship_name", "ship_line1",
    "ship_line2", "ship_city", "ship_district", "ship_region", "ship_postal_code", "ship_country", "ship_phone",
    "shipping_method", "carrier",
    "tracking_number", "discount_code", "items", "currency", "subtotal", "discount_total", "shipping_total", "tax_total",
    "prices_include_tax", "total", "refunded_total",
]  # fmt: skip
LINE_COLUMNS = [
    "order_number", "created_at", "status", "email", "sku", "title", "quantity", "unit_price", "line_total",
    "currency",
]  # fmt: skip
TOP_PRODUCTS = 10


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
    """The last ``days`` days up to and including ``today`` (in the store's zone); two queries whatever the data.

    Read from the totals the order services keep (``sales_days``): thirty day rows, then the top products from
    the kept thirty-day window when it ends ``today`` (twenty rows off its indexes), else added up from the days.
    """
    tz = store_timezone()
    today = today or timezone.now().astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    window_end = SalesWindow.objects.values("last_day")[:1]
    per_day = {
        row.day: row
        for row in DailySales.objects.filter(currency=currency, day__gte=first, day__lte=today).annotate(
            window_end=Subquery(window_end)
        )
    }
    zero = Decimal("0")
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        found = per_day.get(day)
        series.append(
            SalesDay(day, found.orders, found.gross, found.refunded) if found else SalesDay(day, 0, zero, zero)
        )
    order_count = sum(day.orders for day in series)
    gross = sum((day.gross for day in series), zero)
    refunded = sum((day.refunded for day in series), zero)
    net = gross - refunded
    average = Decimal(format_amount(net / order_count, currency=currency)) if order_count else zero
    # Every day row carries the kept window's last day; without a row the days have nothing to add up (and the
    # query count stays the same, sales or not).
    kept_window = bool(per_day) and next(iter(per_day.values())).window_end == today
    if days == SALES_DAYS and kept_window:
        by_revenue, by_units = _top_from_window(currency)
    else:
        by_revenue, by_units = _top_from_days(currency, first, today)
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


# Both lists rank by one figure, then the other, then the SKU, so ties come out the same way every time.
_BY_REVENUE = [F("revenue").desc(), F("units").desc(), F("sku").asc()]
_BY_UNITS = [F("units").desc(), F("revenue").desc(), F("sku").asc()]


def _top_from_window(currency: str) -> tuple[list[TopProduct], list[TopProduct]]:
    """Both top lists from the kept window in one query: each the first rows of its own index."""
    fields = ("sku", "title", "units", "revenue")
    kept = ProductSalesWindow.objects.filter(currency=currency)
    revenue = kept.annotate(ranking=Value("revenue")).values(*fields, "ranking").order_by(*_BY_REVENUE)
    units = kept.annotate(ranking=Value("units")).values(*fields, "ranking").order_by(*_BY_UNITS)
    rows = list(revenue[:TOP_PRODUCTS].union(units[:TOP_PRODUCTS], all=True).order_by())
    by_revenue = _top(row for row in rows if row["ranking"] == "revenue")
    by_units = _top(row for row in rows if row["ranking"] == "units")
    return by_revenue, by_units


def _top_from_days(currency: str, first: date, last: date) -> tuple[list[TopProduct], list[TopProduct]]:
    """Both top lists added up from the day rows from ``first`` to ``last`` (a window that isn't the kept one)."""
    money = DecimalField(max_digits=14, decimal_places=2)
    products = (
        DailyProductSales.objects.filter(currency=currency, day__gte=first, day__lte=last)
        .values("sku")
        .annotate(
            # Lines keep the title they were sold under; one of them names the product.
            title=Max("title"),
            units=Sum("units"),
            revenue=Coalesce(Sum("revenue"), Value(Decimal("0")), output_field=money),
        )
        .order_by()
    )
    # Both top lists from one pass over the window's SKUs: each product ranked both ways, the top of either kept.
    ranked = products.annotate(
        revenue_rank=Window(RowNumber(), order_by=_BY_REVENUE),
        units_rank=Window(RowNumber(), order_by=_BY_UNITS),
    ).filter(Q(revenue_rank__lte=TOP_PRODUCTS) | Q(units_rank__lte=TOP_PRODUCTS))
    tops = list(ranked)
    by_revenue = _top(
        sorted((row for row in tops if row["revenue_rank"] <= TOP_PRODUCTS), key=itemgetter("revenue_rank"))
    )
    by_units = _top(sorted((row for row in tops if row["units_rank"] <= TOP_PRODUCTS), key=itemgetter("units_rank")))
    return by_revenue, by_units


def _top(rows: Iterable[Mapping[str, Any]]) -> list[TopProduct]:
    return [TopProduct(row["sku"], row["title"], row["units"], row["revenue"]) for row in rows]


# --- The chart: an inline SVG, drawn on the server so it needs no script ----------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 200, 10
# Room around the plot for the axes' labels: amounts on the left, order counts on the right, days below.
CHART_LEFT, CHART_RIGHT, CHART_BOTTOM = 84, 40, 26
# A date label every this many days (and the last day), so thirty days stay legible on a phone.
DAY_LABEL_EVERY = 7


def nice_ceiling(value: Decimal | int) -> Decimal:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (0 for nothing), so the
    axis reads in round figures: 107 -> 200, 38.5 -> 50, 3 -> 5."""
    amount = Decimal(value)
    if amount <= 0:
        return Decimal(0)
    power = Decimal(10) ** (len(str(int(amount))) - 1) if amount >= 1 else Decimal("0.01")
    while power * 10 < amount:
        power *= 10
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if step * power >= amount:
            return step * power
    return 10 * power


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


@dataclass(frozen=True)
class AxisTick:
    """One label on an axis, placed in the whole picture's coordinates (the plot sits CHART_LEFT to the right)."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class ChartAxes:
    values: list[AxisTick]  # net revenue, left, with a grid line across the plot at each
    orders: list[AxisTick]  # orders per day, right
    days: list[AxisTick]  # below the bars
    width: int  # the whole picture, plot and labels
    height: int
    plot_left: int
    plot_right: int


def _order_top(days: list[SalesDay]) -> int:
    return int(nice_ceiling(max((day.orders for day in days), default=0)))


def chart_bars(days: list[SalesDay]) -> list[ChartBar]:
    """One bar per day, as tall as its net revenue on the value axis (up to ``nice_ceiling`` of the best day);
    ``order_y`` places the day's order count on the second, right-hand axis."""
    if not days:
        return []
    slot = CHART_WIDTH / len(days)
    plot = CHART_HEIGHT - CHART_TOP
    top_net = nice_ceiling(max((day.net for day in days), default=Decimal(0)))
    top_orders = _order_top(days)
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


def chart_axes(days: list[SalesDay], *, currency: str) -> ChartAxes:
    """The chart's axis labels: amounts at 0, half and the top of the value scale, order counts likewise on the
    right, and a date under the first day, every week after it and the last day."""
    plot = CHART_HEIGHT - CHART_TOP
    top_net = nice_ceiling(max((day.net for day in days), default=Decimal(0)))
    top_orders = _order_top(days)
    left, right = CHART_LEFT - 6, CHART_LEFT + CHART_WIDTH + 6
    values = [AxisTick(left, CHART_HEIGHT, format_money(Decimal(0), currency))]
    if top_net > 0:
        values += [
            AxisTick(left, CHART_HEIGHT - plot / 2, format_money(top_net / 2, currency)),
            AxisTick(left, float(CHART_TOP), format_money(top_net, currency)),
        ]
    orders = [AxisTick(right, CHART_HEIGHT, "0")]
    if top_orders:
        half = top_orders / 2
        if half == int(half):
            orders.append(AxisTick(right, CHART_HEIGHT - plot / 2, str(int(half))))
        orders.append(AxisTick(right, float(CHART_TOP), str(top_orders)))
    slot = CHART_WIDTH / len(days) if days else 0
    labelled = {index for index in range(0, len(days), DAY_LABEL_EVERY)} | ({len(days) - 1} if days else set())
    if days and len(days) - 1 - max(labelled - {len(days) - 1}, default=-DAY_LABEL_EVERY) < DAY_LABEL_EVERY / 2:
        # The last weekly label would crowd the last day's: keep the last day's.
        labelled.discard(max(labelled - {len(days) - 1}))
    day_ticks = [
        AxisTick(
            round(CHART_LEFT + index * slot + slot / 2, 2),
            CHART_HEIGHT + 18,
            # A date format of the page's language ("6 Dec", "12月6日"), not the server's locale.
            dateformat.format(days[index].day, pgettext("sales chart day", "j M")),
        )
        for index in sorted(labelled)
    ]
    return ChartAxes(
        values=values,
        orders=orders,
        days=day_ticks,
        width=CHART_LEFT + CHART_WIDTH + CHART_RIGHT,
        height=CHART_HEIGHT + CHART_BOTTOM,
        plot_left=CHART_LEFT,
        plot_right=CHART_LEFT + CHART_WIDTH,
    )
