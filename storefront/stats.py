"""A store's daily figures for the platform console, read in the store's own schema by a per-store task."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from celery import shared_task
from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from tenants.connection import connection
from tenants.console.stats import STORE_STATS_TASK, record_daily_stats
from tenants.models import Store, StoreDailyStats

PER_STORE_TASK = STORE_STATS_TASK
# A store with no figures yet gets this many days of orders backfilled, so the console's charts start full.
BACKFILL_DAYS = 90
# Later runs recompute this many days, so refunds and cancellations reach the day the order was paid.
RECOMPUTE_DAYS = 30

# Order events that only a seller causes: a shipment, a delivery, a refund or a note.
SELLER_EVENT_KINDS = ("shipped", "fulfilled", "shipment_delivered", "delivered", "refunded", "note")


def schema_size_bytes(schema_name: str) -> int:
    """Bytes on disk of every table in the schema, with its indexes and TOAST data."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'm')
            """,
            [schema_name],
        )
        return int(cursor.fetchone()[0])


def last_seller_activity(store: Store) -> datetime | None:
    """The latest thing the store's staff did that left a trace: a product edit, a fulfilment, a refund, a note."""
    from storefront.catalog.models import Product
    from storefront.orders.models import OrderEvent

    moments = [
        Product.objects.aggregate(at=Max("updated_at"))["at"],
        OrderEvent.objects.filter(kind__in=SELLER_EVENT_KINDS).aggregate(at=Max("created_at"))["at"],
    ]
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def gather_store_stats(*, store: Store, today: date | None = None) -> int:
    """Recompute the store's paid orders and net GMV per day over the last 30 days (or a backfill), and today's sizes.

    The orders and GMV follow the seller's sales overview (``storefront.orders.reports.counted_orders``): an order
    counts on the day it was paid in the store's time zone (``store_timezone``, the seller's setting), unless
    cancelled, for its total less what was refunded of it so far, in the store's current currency. Recomputing 30
    days each run lets a later cancellation or refund reach the day the order was paid; older days keep what they
    had.

    Must run with the connection on the store's schema. Returns how many days were written; safe to repeat.
    """
    from storefront.catalog.models import Product
    from storefront.orders.reports import counted_orders
    from storefront.orders.selectors import day_start
    from storefront.themes.selectors import store_currency, store_timezone

    tz = store_timezone()
    today = today or timezone.now().astimezone(tz).date()
    has_history = StoreDailyStats.objects.filter(store_id=store.pk).exists()
    first_day = today - timedelta(days=(RECOMPUTE_DAYS if has_history else BACKFILL_DAYS) - 1)
    currency = store_currency()
    # One grouped query for the whole window.
    per_day = {
        row["day"]: row
        for row in counted_orders(currency)
        .filter(paid_at__gte=day_start(first_day, tz), paid_at__lt=day_start(today + timedelta(days=1), tz))
        .annotate(day=TruncDate("paid_at", tzinfo=tz))
        .values("day")
        .annotate(orders=Count("pk"), gross=Sum("total"), refunded=Sum("refunded_total"))
        .order_by()
    }
    recorded = {
        row["date"]: (row["orders"], row["gmv"], row["currency"])
        for row in StoreDailyStats.objects.filter(store_id=store.pk, date__gte=first_day, date__lte=today).values(
            "date", "orders", "gmv", "currency"
        )
    }
    zero = Decimal("0")
    written = 0
    day = first_day
    while day <= today:
        row = per_day.get(day)
        figures = (
            (row["orders"], (row["gross"] or zero) - (row["refunded"] or zero), currency)
            if row
            else (0, zero, currency)
        )
        is_today = day == today
        # Today and yesterday are always written (the list reads its sizes from the newest row); older days only
        # when their figures changed, so a quiet day with no row stays without one.
        changed = recorded.get(day, (0, zero, currency)) != figures or (day not in recorded and row is not None)
        if is_today or day == today - timedelta(days=1) or changed:
            record_daily_stats(
                store=store,
                day=day,
                orders=figures[0],
                gmv=figures[1],
                currency=figures[2],
                product_count=Product.objects.count() if is_today else None,
                schema_bytes=schema_size_bytes(store.schema_name) if is_today else None,
                last_seller_activity_at=last_seller_activity(store) if is_today else None,
            )
            written += 1
        day += timedelta(days=1)
    return written


@shared_task(name=PER_STORE_TASK, acks_late=True, ignore_result=True)
def gather_store_stats_for_store() -> int:
    """Gather the figures of the store whose schema this task runs in (tenant-schemas-celery sets it)."""
    store = Store.objects.filter(schema_name=connection.schema_name).first()
    if store is None:  # purged since the dispatcher sent this
        return 0
    return gather_store_stats(store=store)
