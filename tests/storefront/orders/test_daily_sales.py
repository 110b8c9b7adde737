"""The sales overview's day totals: kept by payment, refund and cancellation, rebuilt on a change of zone, backfilled
by their migration, and each store's apart."""

import importlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from storefront.orders.models import DailyProductSales, DailySales, ProductSalesWindow, SalesWindow
from storefront.orders.reports import _top_from_days, sales_overview
from storefront.orders.services import record_refund
from tests.conftest import host_of, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_dashboard import paid_order
from tests.storefront.orders.test_order_list_and_export import make_order
from tests.storefront.orders.test_store_timezone import set_zone

backfill_migration = importlib.import_module("storefront.orders.migrations.0012_sales_totals")


def days(store) -> list[tuple[date, str, int, Decimal, Decimal]]:
    with in_store(store):
        return list(DailySales.objects.values_list("day", "currency", "orders", "gross", "refunded"))


def products(store) -> list[tuple[date, str, str, int, Decimal]]:
    with in_store(store):
        return list(DailyProductSales.objects.values_list("day", "currency", "sku", "units", "revenue"))


def window(store) -> tuple[date | None, list[tuple[str, str, str, int, Decimal]]]:
    with in_store(store):
        rows = ProductSalesWindow.objects.values_list("currency", "sku", "title", "units", "revenue")
        return SalesWindow.objects.values_list("last_day", flat=True).first(), list(rows)


def test_payment_refund_and_cancellation_keep_the_day_s_totals(client, store_a, owner_a):
    order = paid_order(client, store_a)  # 1 tent of 3, $113.90, paid through the Stripe sandbox's page
    with in_store(store_a):
        order.refresh_from_db()
        line = order.lines.get()
        day = timezone.localtime(order.paid_at, UTC).date()  # the test store's zone is UTC
    assert days(store_a) == [(day, "USD", 1, Decimal("113.90"), Decimal("0.00"))]
    assert products(store_a) == [(day, "USD", line.sku, 1, line.line_total)]
    assert window(store_a) == (day, [("USD", line.sku, line.title, 1, line.line_total)])

    with in_store(store_a):
        record_refund(order=order, request_key="part", stripe_refund_id="re_part", amount=Decimal("10.00"),
                      restock=False)  # fmt: skip
    assert days(store_a) == [(day, "USD", 1, Decimal("113.90"), Decimal("10.00"))]

    sign_in_on(client, owner_a, store_a)
    response = client.post(f"/dashboard/orders/{order.pk}/cancel/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    # A cancelled order no longer counts: its day has no counted order left, so no row.
    assert days(store_a) == [] and products(store_a) == [] and window(store_a) == (day, [])


def test_a_change_of_zone_moves_every_order_to_its_new_day(store_a, django_capture_on_commit_callbacks):
    late = datetime.combine(date(2024, 5, 15), time(23, 30), tzinfo=UTC)  # 01:30 on the 16th in Berlin
    with in_store(store_a):
        make_order(total="42.00", paid_at=late, lines=[("MUG", "Mug", 2, "21.00")])
        make_order(total="8.00", paid_at=late - timedelta(hours=12), lines=[("CARD", "Card", 1, "8.00")])
    assert days(store_a) == [(date(2024, 5, 15), "USD", 2, Decimal("50.00"), Decimal("0.00"))]
    set_zone(store_a, "Europe/Berlin", django_capture_on_commit_callbacks)
    assert days(store_a) == [
        (date(2024, 5, 15), "USD", 1, Decimal("8.00"), Decimal("0.00")),
        (date(2024, 5, 16), "USD", 1, Decimal("42.00"), Decimal("0.00")),
    ]
    assert products(store_a) == [
        (date(2024, 5, 15), "USD", "CARD", 1, Decimal("8.00")),
        (date(2024, 5, 16), "USD", "MUG", 2, Decimal("42.00")),
    ]


def test_the_migration_backfills_what_the_services_keep(store_a, django_capture_on_commit_callbacks):
    set_zone(store_a, "America/New_York", django_capture_on_commit_callbacks)
    paid = datetime(2024, 5, 16, 2, 0, tzinfo=UTC)  # 22:00 on the 15th in New York
    with in_store(store_a):
        make_order(total="30.00", paid_at=paid, lines=[("PEG", "Peg", 15, "2.00")])
        make_order(total="12.00", paid_at=paid, currency="EUR", lines=[("PEG", "Peg", 6, "2.00")])
        make_order(status="cancelled", total="9.00", paid_at=paid, lines=[("TENT", "Tent", 1, "9.00")])
        make_order(status="pending_payment", total="5.00", lines=[("TENT", "Tent", 1, "5.00")])
    kept = (days(store_a), products(store_a))
    assert kept[0] == [
        (date(2024, 5, 15), "EUR", 1, Decimal("12.00"), Decimal("0.00")),
        (date(2024, 5, 15), "USD", 1, Decimal("30.00"), Decimal("0.00")),
    ]
    with in_store(store_a):
        DailySales.objects.all().delete()
        DailyProductSales.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(backfill_migration.BACKFILL_DAYS)
    assert (days(store_a), products(store_a)) == kept

    with in_store(store_a):
        make_order(total="4.00", paid_at=timezone.now(), lines=[("MUG", "Mug", 1, "4.00")])  # today: in the window
    kept_window = window(store_a)
    assert kept_window[1] == [("USD", "MUG", "Mug", 1, Decimal("4.00"))]
    with in_store(store_a):
        ProductSalesWindow.objects.all().delete()
        SalesWindow.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(backfill_migration.BACKFILL_WINDOW)
    assert window(store_a) == kept_window


def test_the_kept_window_gives_the_top_products_the_days_give(store_a, django_assert_num_queries):
    today = timezone.now().astimezone(UTC).date()
    with in_store(store_a):
        for offset, (sku, units, price) in enumerate(
            [("PEG", 15, "2.00"), ("TENT", 1, "40.00"), ("MUG", 2, "10.00"), ("PEG", 5, "2.00"), ("CARD", 1, "7.00")]
            + [(f"X{n:02}", 1, "1.00") for n in range(12)]
        ):
            paid = datetime.combine(today - timedelta(days=offset % 30), time(12), tzinfo=UTC)
            total = str(Decimal(price) * units)
            make_order(total=total, paid_at=paid, lines=[(sku, sku.title(), units, price)])
        # Outside the window (31 days ago): not in the kept window.
        old = datetime.combine(today - timedelta(days=31), time(12), tzinfo=UTC)
        make_order(total="999.00", paid_at=old, lines=[("OLD", "Old", 99, "10.00")])
        assert SalesWindow.objects.get().last_day == today
        with django_assert_num_queries(2):
            kept = sales_overview(currency="USD", today=today)
        first = today - timedelta(days=29)
        assert (kept.top_by_revenue, kept.top_by_units) == _top_from_days("USD", first, today)
    assert [(p.sku, p.units, p.revenue) for p in kept.top_by_revenue[:4]] == [
        ("PEG", 20, Decimal("40.00")), ("TENT", 1, Decimal("40.00")), ("MUG", 2, Decimal("20.00")),
        ("CARD", 1, Decimal("7.00")),
    ]  # fmt: skip
    assert len(kept.top_by_revenue) == len(kept.top_by_units) == 10
    assert "OLD" not in {p.sku for p in kept.top_by_units}


def test_the_first_sale_of_a_new_day_rolls_the_window_forward(store_a):
    today = timezone.now().astimezone(UTC).date()
    leaving = datetime.combine(today - timedelta(days=30), time(12), tzinfo=UTC)  # in yesterday's window only
    with in_store(store_a):
        make_order(total="8.00", paid_at=leaving, lines=[("LEFT", "Left", 1, "8.00")])
        make_order(total="5.00", paid_at=timezone.now(), lines=[("STAY", "Stay", 1, "5.00")])
        # As the store stood before midnight: yesterday's window, which still held the older sale.
        SalesWindow.objects.update(last_day=today - timedelta(days=1))
        ProductSalesWindow.objects.create(currency="USD", sku="LEFT", title="Left", units=1, revenue=Decimal("8.00"))
        assert sales_overview(currency="USD", today=today).top_by_units[0].sku == "STAY"  # not the stale window
        make_order(total="3.00", paid_at=timezone.now(), lines=[("NEW", "New", 1, "3.00")])
    assert window(store_a) == (
        today, [("USD", "NEW", "New", 1, Decimal("3.00")), ("USD", "STAY", "Stay", 1, Decimal("5.00"))]
    )  # fmt: skip


def test_another_store_s_totals_never_include_this_store_s_sales(store_a, store_b):
    with in_store(store_a):
        make_order(total="42.00", paid_at=timezone.now(), lines=[("MUG", "Mug", 1, "42.00")])
    with in_store(store_b):
        make_order(total="3.00", paid_at=timezone.now(), lines=[("BETA", "Beta", 1, "3.00")])
    assert [(row[2], row[3]) for row in days(store_a)] == [(1, Decimal("42.00"))]
    assert [(row[2], row[3]) for row in days(store_b)] == [(1, Decimal("3.00"))]
    assert [row[2] for row in products(store_b)] == ["BETA"]
