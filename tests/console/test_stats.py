"""The per-store stats task: each store's own orders, GMV, products, schema size and activity, written to public."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from storefront.catalog.models import Product
from storefront.stats import gather_store_stats, schema_size_bytes
from tenants.models import Store, StoreDailyStats
from tests.console.conftest import days_ago, make_paid_order, today
from tests.support import wait_until


def _at(day, hour=12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour), timezone.get_fixed_timezone(0))


def _gather(store):
    with schema_context(store.schema_name):
        return gather_store_stats(store=store)


def test_a_first_run_backfills_orders_and_records_todays_sizes(store_a, store_b):
    make_paid_order(store_a, total=Decimal("20.00"), paid_at=_at(today(), 1))
    make_paid_order(store_a, total=Decimal("5.50"), paid_at=_at(today(), 2))
    make_paid_order(store_a, total=Decimal("100.00"), paid_at=_at(days_ago(5)))
    make_paid_order(store_a, total=Decimal("999.00"), paid_at=_at(days_ago(200)))  # before the backfill
    make_paid_order(store_b, total=Decimal("7.00"), paid_at=_at(today()))

    _gather(store_a)
    rows = {row.date: row for row in StoreDailyStats.objects.filter(store=store_a)}
    assert (rows[today()].orders, rows[today()].gmv, rows[today()].currency) == (2, Decimal("25.50"), "USD")
    assert (rows[days_ago(5)].orders, rows[days_ago(5)].gmv) == (1, Decimal("100.00"))
    assert (rows[days_ago(1)].orders, rows[days_ago(1)].gmv) == (0, Decimal("0"))
    assert set(rows) == {today(), days_ago(1), days_ago(5)}
    with schema_context(store_a.schema_name):
        products = Product.objects.count()
        newest_edit = Product.objects.latest("updated_at").updated_at
    assert rows[today()].product_count == products >= 1
    assert rows[today()].last_seller_activity_at == newest_edit
    assert rows[today()].schema_bytes == schema_size_bytes(store_a.schema_name) > 100_000
    assert rows[days_ago(5)].schema_bytes == 0  # past sizes are unknown, not guessed
    # Store B's order is nowhere in store A's figures, and B has none until its own task runs.
    assert not StoreDailyStats.objects.filter(store=store_b).exists()
    _gather(store_b)
    beta = StoreDailyStats.objects.get(store=store_b, date=today())
    assert (beta.orders, beta.gmv) == (1, Decimal("7.00"))


def test_later_runs_recompute_the_last_30_days_only(store_a):
    _gather(store_a)
    make_paid_order(store_a, total=Decimal("9.00"), paid_at=_at(today()))
    make_paid_order(store_a, total=Decimal("3.00"), paid_at=_at(days_ago(10)))  # late news of an older day
    make_paid_order(store_a, total=Decimal("4.00"), paid_at=_at(days_ago(40)))  # beyond the 30 days
    assert _gather(store_a) == 3  # today, yesterday and the day that changed
    assert StoreDailyStats.objects.get(store=store_a, date=today()).gmv == Decimal("9.00")
    assert StoreDailyStats.objects.get(store=store_a, date=days_ago(10)).gmv == Decimal("3.00")
    assert not StoreDailyStats.objects.filter(store=store_a, date=days_ago(40)).exists()
    assert StoreDailyStats.objects.filter(store=store_a).count() == 3
    assert _gather(store_a) == 2  # nothing changed: only today and yesterday are written again


def test_a_later_refund_or_cancellation_reaches_the_day_the_order_was_paid(store_a, store_b):
    from storefront.orders.models import Order
    from storefront.orders.reports import sales_overview
    from storefront.orders.sales_days import refresh_sales_day

    refunded = make_paid_order(store_a, total=Decimal("100.00"), paid_at=_at(days_ago(12)))
    cancelled = make_paid_order(store_a, total=Decimal("50.00"), paid_at=_at(days_ago(20)))
    make_paid_order(store_a, total=Decimal("25.00"), paid_at=_at(days_ago(20)))
    make_paid_order(store_b, total=Decimal("70.00"), paid_at=_at(days_ago(12)))
    _gather(store_a)
    _gather(store_b)
    assert StoreDailyStats.objects.get(store=store_a, date=days_ago(12)).gmv == Decimal("100.00")
    with schema_context(store_a.schema_name):
        Order.objects.filter(pk=refunded.pk).update(refunded_total=Decimal("30.00"))
        Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)
        # As the refund and cancellation services do: the overview's kept day totals follow the orders.
        refresh_sales_day(paid_at=refunded.paid_at)
        refresh_sales_day(paid_at=cancelled.paid_at)
    _gather(store_a)
    day12 = StoreDailyStats.objects.get(store=store_a, date=days_ago(12))
    day20 = StoreDailyStats.objects.get(store=store_a, date=days_ago(20))
    assert (day12.orders, day12.gmv) == (1, Decimal("70.00"))  # net of the refund, on the day it was paid
    assert (day20.orders, day20.gmv) == (1, Decimal("25.00"))
    # The same figures as the seller's own sales overview.
    with schema_context(store_a.schema_name):
        overview = sales_overview(currency="USD")
    seller = {day.day: day for day in overview.days}
    assert (seller[days_ago(12)].orders, seller[days_ago(12)].net) == (day12.orders, day12.gmv)
    assert (seller[days_ago(20)].orders, seller[days_ago(20)].net) == (day20.orders, day20.gmv)
    # Store B's figures are its own and untouched by A's changes.
    beta = StoreDailyStats.objects.get(store=store_b, date=days_ago(12))
    assert (beta.orders, beta.gmv) == (1, Decimal("70.00"))


def test_a_day_whose_only_order_was_cancelled_goes_back_to_zero(store_a):
    from storefront.orders.models import Order

    order = make_paid_order(store_a, total=Decimal("40.00"), paid_at=_at(days_ago(6)))
    _gather(store_a)
    with schema_context(store_a.schema_name):
        Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    _gather(store_a)
    row = StoreDailyStats.objects.get(store=store_a, date=days_ago(6))
    assert (row.orders, row.gmv) == (0, Decimal("0"))


def test_the_schema_size_is_the_stores_own(store_a, store_b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('store_alpha.catalog_product')")
        products_table = cursor.fetchone()[0]
    assert schema_size_bytes(store_a.schema_name) > products_table > 0
    assert schema_size_bytes("store_no_such_schema") == 0


def test_the_dispatcher_runs_every_stores_task_in_its_own_schema(committed, celery_worker):
    from tenants.tasks import dispatch_store_stats

    stores = list(Store.objects.exclude(schema_name="public"))
    try:
        assert dispatch_store_stats() == len(stores)
        done = StoreDailyStats.objects.filter(date=today()).values_list("store__slug", flat=True)
        wait_until(lambda: set(done.all()) >= {"alpha", "beta"}, what="today's figures of alpha and beta")
        rows = {row.store.slug: row for row in StoreDailyStats.objects.filter(date=today()).select_related("store")}
        assert {"alpha", "beta"} <= set(rows)
        for slug in ("alpha", "beta"):
            assert rows[slug].schema_bytes == schema_size_bytes(f"store_{slug}")
            assert rows[slug].product_count >= 1
    finally:
        StoreDailyStats.objects.filter(computed_at__gte=timezone.now() - timedelta(hours=1)).delete()
