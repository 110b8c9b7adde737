"""The sales overview's day totals (DailySales, DailyProductSales): refreshed by each change that moves a figure.

A day's rows are recomputed from its orders, never adjusted by differences, so they can't drift from the orders:
the payment, refund and cancellation services call ``refresh_sales_day`` for the paid order's day in their own
transaction, and a change of the store's time zone (which moves every order's day) rebuilds them all. One
transaction-scoped advisory lock per store runs these one after the other: a refresh reads the orders after the
previous one committed, so two payments on the same day can't each write totals that miss the other.
"""

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db import connection

from storefront.themes.selectors import store_timezone

from .models import DailyProductSales, DailySales, Order, OrderLine
from .selectors import day_start

# Counted orders (the rule in ``reports``): paid, not cancelled.
_COUNTED = "o.paid_at IS NOT NULL AND o.status <> %(cancelled)s"


def _lock_sales_days() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('sales_days:' || current_schema()))")


def _refresh(*, day_sql: str, where: str, params: dict[str, Any]) -> None:
    """Upsert the totals of the orders ``where`` selects, grouped by ``day_sql``, and delete the rows of
    ``params["days"]`` (every day when it is None) that no longer have a counted order."""
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
                ON CONFLICT (currency, day, sku) DO UPDATE
                SET title = EXCLUDED.title, units = EXCLUDED.units, revenue = EXCLUDED.revenue
            )
            DELETE FROM "{products}" WHERE {in_days.format(table=f'"{products}"')} AND NOT EXISTS (
                SELECT 1 FROM sold s
                WHERE s.day = "{products}".day AND s.currency = "{products}".currency AND s.sku = "{products}".sku
            )
            """,  # noqa: S608 - table names and fragments of this module's own; values are parameters
            params,
        )


def sales_day_of(paid_at: datetime, tz: tzinfo | None = None) -> date:
    """The day a payment at ``paid_at`` counts on: its date in the store's zone."""
    return paid_at.astimezone(tz or store_timezone()).date()


def refresh_sales_day(*, paid_at: datetime | None) -> None:
    """Recompute the totals of the day an order paid at ``paid_at`` counts on (nothing for an unpaid order).

    Call it inside the transaction that changed the order, after the change.
    """
    if paid_at is None:
        return
    tz = store_timezone()
    day = sales_day_of(paid_at, tz)
    _lock_sales_days()
    _refresh(
        day_sql="%(day)s::date",
        where="o.paid_at >= %(start)s AND o.paid_at < %(end)s",
        params={"day": day, "days": [day], "start": day_start(day, tz), "end": day_start(day + timedelta(days=1), tz)},
    )


def rebuild_sales_days() -> None:
    """Recompute every day's totals from all orders, in the store's current zone (after a change of zone)."""
    tz = store_timezone()
    _lock_sales_days()
    _refresh(
        day_sql="(o.paid_at AT TIME ZONE %(zone)s)::date",
        where="TRUE",
        params={"zone": getattr(tz, "key", "UTC"), "days": None},
    )
