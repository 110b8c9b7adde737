"""The one writer of per-store daily figures (StoreDailyStats), called by each store's stats task."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from tenants.models import Store, StoreDailyStats


def record_daily_stats(
    *,
    store: Store,
    day: date,
    orders: int,
    gmv: Decimal,
    currency: str,
    product_count: int | None = None,
    schema_bytes: int | None = None,
    last_seller_activity_at: datetime | None = None,
) -> StoreDailyStats:
    """Write the store's figures for ``day``, replacing any earlier ones (the task runs many times a day).

    The point-in-time figures (products, schema size, last activity) left as None keep what the row had: a
    backfill of past days knows their orders but not how big the store was then.
    """
    values: dict = {
        "orders": orders,
        "gmv": gmv,
        "currency": currency.upper()[:3],
        "computed_at": timezone.now(),
    }
    if product_count is not None:
        values["product_count"] = product_count
    if schema_bytes is not None:
        values["schema_bytes"] = schema_bytes
    if last_seller_activity_at is not None:
        values["last_seller_activity_at"] = last_seller_activity_at
    stats, _ = StoreDailyStats.objects.update_or_create(store=store, date=day, defaults=values)
    return stats
