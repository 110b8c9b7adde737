"""The sales overview's kept totals: per day (DailySales, DailyProductSales) and per SKU over the last thirty days
(ProductSalesWindow), refreshed by each change that moves a figure.

A day's rows are recomputed from its orders, never adjusted by differences, so they can't drift from the orders:
the payment, refund and cancellation services call ``refresh_sales_day`` for the paid order's day in their own
transaction, and a change of the store's time zone (which moves every order's day) rebuilds them all. One
transaction-scoped advisory lock per store runs these one after the other: a refresh reads the orders after the
previous one committed, so two payments on the same day can't each write totals that miss the other.

The thirty-day window follows the day totals: a refresh recomputes the window rows of the SKUs it touched, and the
first refresh on a new day (in the store's zone) rolls the whole window to end that day. Until a store's first sale
of a day, its window still ends the day before and the overview adds up the days instead (same figures, slower).
"""

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db import connection
from django.utils import timezone

from storefront.themes.selectors import store_timezone

from .models import DailyProductSales, DailySales, Order, OrderLine, ProductSalesWindow, SalesWindow
from .selectors import day_start

SALES_DAYS = 30
# Counted orders (the rule in ``reports``): paid, not cancelled.
_COUNTED = "o.paid_at IS NOT NULL AND o.status <> %(cancelled)s"


def _lock_sales_days() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('sales_days:' || current_schema()))")


def _refresh(*, day_sql: str, where: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Upsert the totals of the orders ``where`` selects, grouped by ``day_sql``, and delete the rows of
    ``params["days"]`` (every day when it is None) that no longer have a counted order.

    Returns the (currency, SKU) pairs whose day rows were written or deleted.
    """
    orders, lines = Order._meta.db_table, OrderLine._meta.db_table
    days, products = DailySales._meta.db_table, DailyProductSales._meta.db_table
    in_days = "(%(days)s::date[] IS NULL OR {table}.day = ANY(%(days)s::date[]))"
    params = {"cancelled": Order.Status.CANCELLED, **params}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH counted AS (
                SELECT {day_sql} AS day, o.currency, count(*) AS orders, sum(o.total) AS gross,
                       sum(o.refunded_total) AS refunded
                FROM "{orders}" o WHERE {_COUNTED} AND {where} GROUP BY 1, 2
            ), written AS (
                INSERT INTO "{days}" (day, currency, orders, gross, refunded) SELECT * FROM counted
                ON CONFLICT (currency, day) DO UPDATE
                SET orders = EXCLUDED.orders, gross = EXCLUDED.gross, refunded = EXCLUDED.refunded
            )
            DELETE FROM "{days}" WHERE {in_days.format(table=f'"{days}"')} AND NOT EXISTS (
                SELECT 1 FROM counted c WHERE c.day = "{days}".day AND c.currency = "{days}".currency
            )
            """,  # noqa: S608 - table names and fragments of this module's own; values are parameters
            params,
        )
        cursor.execute(
            f"""
            WITH sold AS (
                SELECT {day_sql} AS day, o.currency, l.sku, max(l.title) AS title, sum(l.quantity) AS units,
                       sum(l.line_total) AS revenue
                FROM "{orders}" o JOIN "{lines}" l ON l.order_id = o.id
                WHERE {_COUNTED} AND {where} GROUP BY 1, 2, 3
            ), written AS (
                INSERT INTO "{products}" (day, currency, sku, title, units, revenue) SELECT * FROM sold
                ON CONFLICT (currency, sku, day) DO UPDATE
                SET title = EXCLUDED.title, units = EXCLUDED.units, revenue = EXCLUDED.revenue
                RETURNING currency, sku
            ), gone AS (
                DELETE FROM "{products}" WHERE {in_days.format(table=f'"{products}"')} AND NOT EXISTS (
                    SELECT 1 FROM sold s
                    WHERE s.day = "{products}".day AND s.currency = "{products}".currency
                      AND s.sku = "{products}".sku
                )
                RETURNING currency, sku
            )
            SELECT currency, sku FROM written UNION SELECT currency, sku FROM gone
            """,  # noqa: S608 - as above
            params,
        )
        return [(currency, sku) for currency, sku in cursor.fetchall()]


def _window_last_day() -> date | None:
    return SalesWindow.objects.values_list("last_day", flat=True).first()


def _roll_window(today: date) -> None:
    """Every SKU's window row again, for the thirty days ending ``today``."""
    window, state = ProductSalesWindow._meta.db_table, SalesWindow._meta.db_table
    products = DailyProductSales._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'WITH gone AS (DELETE FROM "{window}") DELETE FROM "{state}"')  # noqa: S608 - our tables
        cursor.execute(
            f"""
            WITH filled AS (
                INSERT INTO "{window}" (currency, sku, title, units, revenue)
                SELECT currency, sku, max(title), sum(units), sum(revenue) FROM "{products}"
                WHERE day BETWEEN %(first)s AND %(today)s GROUP BY 1, 2
            )
            INSERT INTO "{state}" (last_day) VALUES (%(today)s)
            """,  # noqa: S608 - our tables; values are parameters
            {"first": today - timedelta(days=SALES_DAYS - 1), "today": today},
        )


def _refresh_window(*, skus: list[tuple[str, str]], last_day: date) -> None:
    """The window rows of ``skus`` (currency, SKU) recomputed from their days in the window ending ``last_day``."""
    if not skus:
        return
    window, products = ProductSalesWindow._meta.db_table, DailyProductSales._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH touched AS (
                SELECT * FROM unnest(%(currencies)s::text[], %(skus)s::text[]) AS t(currency, sku)
            ), summed AS (
                SELECT p.currency, p.sku, max(p.title) AS title, sum(p.units) AS units, sum(p.revenue) AS revenue
                FROM "{products}" p JOIN touched t ON t.currency = p.currency AND t.sku = p.sku
                WHERE p.day BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
            ), written AS (
                INSERT INTO "{window}" (currency, sku, title, units, revenue) SELECT * FROM summed
                ON CONFLICT (currency, sku) DO UPDATE
                SET title = EXCLUDED.title, units = EXCLUDED.units, revenue = EXCLUDED.revenue
            )
            DELETE FROM "{window}" w USING touched t
            WHERE w.currency = t.currency AND w.sku = t.sku
              AND NOT EXISTS (SELECT 1 FROM summed s WHERE s.currency = w.currency AND s.sku = w.sku)
            """,  # noqa: S608 - our tables; values are parameters
            {
                "currencies": [currency for currency, _ in skus],
                "skus": [sku for _, sku in skus],
                "first": last_day - timedelta(days=SALES_DAYS - 1),
                "last": last_day,
            },
        )


def sales_day_of(paid_at: datetime, tz: tzinfo | None = None) -> date:
    """The day a payment at ``paid_at`` counts on: its date in the store's zone."""
    return paid_at.astimezone(tz or store_timezone()).date()


def refresh_sales_day(*, paid_at: datetime | None) -> None:
    """Recompute the totals of the day an order paid at ``paid_at`` counts on (nothing for an unpaid order), and
    the thirty-day window with them.

    Call it inside the transaction that changed the order, after the change.
    """
    if paid_at is None:
        return
    tz = store_timezone()
    day = sales_day_of(paid_at, tz)
    _lock_sales_days()
    touched = _refresh(
        day_sql="%(day)s::date",
        where="o.paid_at >= %(start)s AND o.paid_at < %(end)s",
        params={"day": day, "days": [day], "start": day_start(day, tz), "end": day_start(day + timedelta(days=1), tz)},
    )
    today = timezone.now().astimezone(tz).date()
    if _window_last_day() != today:
        _roll_window(today)
    elif today - timedelta(days=SALES_DAYS - 1) <= day <= today:
        _refresh_window(skus=touched, last_day=today)


def rebuild_sales_days() -> None:
    """Recompute every day's totals from all orders, in the store's current zone (after a change of zone), and
    the window ending today there."""
    tz = store_timezone()
    _lock_sales_days()
    _refresh(
        day_sql="(o.paid_at AT TIME ZONE %(zone)s)::date",
        where="TRUE",
        params={"zone": getattr(tz, "key", "UTC"), "days": None},
    )
    _roll_window(timezone.now().astimezone(tz).date())
