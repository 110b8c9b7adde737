"""The one writer of per-store daily figures (StoreDailyStats), called by each store's stats task, and the two ways
to have that task run sooner than the hourly sweep: for a store whose order was just paid, and for stores the
console finds without fresh figures (a new instance, a beat that is not running).

Public code never reads a store's tables: it only names the store's own task, which runs in the store's schema
and writes its figures back here.
"""

import functools
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from platform.kit.queueing import enqueue_for_store, nudge_store
from tenants.models import Store, StoreDailyStats

# The per-store task (storefront/stats.py), named rather than imported: public code starts it, never runs it.
STORE_STATS_TASK = "storefront.gather_store_stats_for_store"
# Figures older than this were missed by the hourly sweep: the console asks for them when it opens.
STALE_AFTER = timedelta(hours=2)
# A store asked for its figures is not asked again for this long, however often the console is reloaded.
ASK_AGAIN_AFTER_SECONDS = 300
# At most this many stores are asked per page view, so the page stays quick on a large instance whose beat never
# ran; the next views (or the hourly sweep) ask the rest.
ASK_AT_MOST = 200


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
) -> StoreDailyStats | None:
    """Write the store's figures for ``day``, replacing any earlier ones (the task runs many times a day); None
    when the store has been purged meanwhile.

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
    try:
        stats, _ = StoreDailyStats.objects.update_or_create(store=store, date=day, defaults=values)
    except IntegrityError:
        # The store was purged while its task gathered the figures (purge_store locks the store's row, so this
        # write waited for it): there is nothing left to record them for.
        if Store.objects.filter(pk=store.pk).exists():
            raise
        return None
    return stats


def refresh_store_stats(*, schema_name: str) -> None:
    """Have the store's figures gathered again once the current transaction commits (an order paid or refunded)."""
    enqueue_for_store(STORE_STATS_TASK, schema_name=schema_name)


def _ask_for_stats(schema_name: str) -> None:
    nudge_store(STORE_STATS_TASK, schema_name=schema_name, what="the store's console figures")


def gather_missing_stats(*, now: datetime | None = None) -> int:
    """Ask every store with no figures, or none newer than ``STALE_AFTER``, to gather them now; returns how many
    stores' figures are missing (and being gathered), for the console to say so."""
    now = now or timezone.now()
    missing = list(
        Store.objects.exclude(status=Store.Status.PROVISIONING)
        .annotate(latest=Max("daily_stats__computed_at"))
        .filter(Q(latest__isnull=True) | Q(latest__lt=now - STALE_AFTER))
        .values_list("pk", "schema_name")
    )
    asked = 0
    for store_id, schema_name in missing:
        if asked >= ASK_AT_MOST:
            break
        if cache.add(f"platform:console-stats-asked:{store_id}", True, timeout=ASK_AGAIN_AFTER_SECONDS):
            # Sent once what the page read is committed (at once outside a transaction): a view rendered inside
            # one that is rolled back asks nothing. A broker that is down is only logged: the sweep asks later.
            transaction.on_commit(functools.partial(_ask_for_stats, schema_name))
            asked += 1
    return len(missing)
