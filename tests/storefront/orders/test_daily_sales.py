"""The sales overview's day totals: kept by payment, refund and cancellation, rebuilt on a change of zone, backfilled
by their migration, and each store's apart."""

import importlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from storefront.orders.models import DailyProductSales, DailySales
from storefront.orders.services import record_refund
from tests.conftest import host_of, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_dashboard import paid_order
from tests.storefront.orders.test_order_list_and_export import make_order
from tests.storefront.orders.test_store_timezone import set_zone

backfill_migration = importlib.import_module("storefront.orders.migrations.0011_daily_sales_totals")


def days(store) -> list[tuple[date, str, int, Decimal, Decimal]]:
    with in_store(store):
        return list(DailySales.objects.values_list("day", "currency", "orders", "gross", "refunded"))


def products(store) -> list[tuple[date, str, str, int, Decimal]]:
    with in_store(store):
        return list(DailyProductSales.objects.values_list("day", "currency", "sku", "units", "revenue"))


def test_payment_refund_and_cancellation_keep_the_day_s_totals(client, store_a, owner_a):
    order = paid_order(client, store_a)  # 1 tent of 3, $113.90, paid through the Stripe sandbox's page
    with in_store(store_a):
        order.refresh_from_db()
        line = order.lines.get()
        day = timezone.localtime(order.paid_at, UTC).date()  # the test store's zone is UTC
    assert days(store_a) == [(day, "USD", 1, Decimal("113.90"), Decimal("0.00"))]
    assert products(store_a) == [(day, "USD", line.sku, 1, line.line_total)]

    with in_store(store_a):
        record_refund(order=order, request_key="part", stripe_refund_id="re_part", amount=Decimal("10.00"),
                      restock=False)  # fmt: skip
    assert days(store_a) == [(day, "USD", 1, Decimal("113.90"), Decimal("10.00"))]

    sign_in_on(client, owner_a, store_a)
    response = client.post(f"/dashboard/orders/{order.pk}/cancel/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    # A cancelled order no longer counts: its day has no counted order left, so no row.
    assert days(store_a) == [] and products(store_a) == []


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
            cursor.execute(backfill_migration.BACKFILL)
    assert (days(store_a), products(store_a)) == kept


def test_another_store_s_totals_never_include_this_store_s_sales(store_a, store_b):
    with in_store(store_a):
        make_order(total="42.00", paid_at=timezone.now(), lines=[("MUG", "Mug", 1, "42.00")])
    with in_store(store_b):
        make_order(total="3.00", paid_at=timezone.now(), lines=[("BETA", "Beta", 1, "3.00")])
    assert [(row[2], row[3]) for row in days(store_a)] == [(1, Decimal("42.00"))]
    assert [(row[2], row[3]) for row in days(store_b)] == [(1, Decimal("3.00"))]
    assert [row[2] for row in products(store_b)] == ["BETA"]
