"""A store's daily figures for the platform console, read in the store's own schema by a per-store task."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from celery import shared_task
from django.db import connection
from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from tenants.models import Store, StoreDailyStats
from tenants.stats import record_daily_stats

PER_STORE_TASK = "storefront.gather_store_stats_for_store"
# A store with no figures yet gets this many days of orders backfilled, so the console's charts start full.
BACKFILL_DAYS = 90

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
    """Record the store's paid orders and GMV per day (today and yesterday, or a backfill) and today's sizes.

    GMV is what buyers paid for orders paid that day (refunds not deducted); cancelled orders don't count.

    Must run with the connection on the store's schema. Returns how many days were written; safe to repeat.
    """
    from storefront.catalog.models import Product
    from storefront.catalog.money import store_currency
    from storefront.orders.models import Order

    today = today or timezone.now().date()
    has_history = StoreDailyStats.objects.filter(store_id=store.pk).exists()
    first_day = today - timedelta(days=1 if has_history else BACKFILL_DAYS - 1)
    currency = store_currency()
    per_day: dict[date, dict[str, dict]] = {}
    paid = (
        Order.objects.filter(paid_at__isnull=False, paid_at__date__gte=first_day, paid_at__date__lte=today)
        .exclude(status=Order.Status.CANCELLED)
        .annotate(day=TruncDate("paid_at"))
        .values("day", "currency")
        .annotate(orders=Count("id"), gmv=Sum("total"))
    )
    for row in paid:
        per_day.setdefault(row["day"], {})[row["currency"]] = row
    written = 0
    day = first_day
    while day <= today:
        by_currency = per_day.get(day, {})
        # One currency per store-day: a store sells in its own currency; should it have changed that day, the
        # busier currency is kept.
        main = max(by_currency.values(), key=lambda row: row["orders"], default=None)
        is_today = day == today
        if main is not None or is_today or day == today - timedelta(days=1):
            record_daily_stats(
                store=store,
                day=day,
                orders=main["orders"] if main else 0,
                gmv=main["gmv"] if main else Decimal("0"),
                currency=main["currency"] if main else currency,
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
