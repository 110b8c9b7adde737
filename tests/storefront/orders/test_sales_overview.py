"""The sales overview: per-day net revenue and orders, totals, top products; refunds deducted; other stores apart."""

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from storefront.orders.models import Order
from storefront.orders.reports import sales_overview
from storefront.orders.services import record_refund
from storefront.themes.selectors import store_profile
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_order_list_and_export import make_order, staff_of


def at(day, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=UTC)


def seed(today):
    """Orders on known days; returns what the overview must show."""
    first = today - timedelta(days=29)
    # Counted: two on today-2, one (fulfilled, then partly refunded) today, one on the first day of the window.
    make_order(total="50.00", paid_at=at(today - timedelta(days=2), 9),
               lines=[("TENT", "Tent", 1, "40.00"), ("PEG", "Peg", 5, "2.00")])  # fmt: skip
    make_order(total="30.00", paid_at=at(today - timedelta(days=2), 23, 59, 59), lines=[("PEG", "Peg", 15, "2.00")])
    refunded = make_order(status="fulfilled", total="20.00", paid_at=at(today, 0, 0, 0),
                          lines=[("MUG", "Mug", 2, "10.00")])  # fmt: skip
    record_refund(order=refunded, request_key="r1", stripe_refund_id="re_test_1", amount=Decimal("5.00"), restock=False)
    make_order(total="7.00", paid_at=at(first, 0, 0, 0), lines=[("CARD", "Card", 1, "7.00")])
    # Not counted: unpaid, cancelled, paid the day before the window, another currency.
    make_order(status="pending_payment", total="999.00", lines=[("TENT", "Tent", 9, "111.00")])
    make_order(status="cancelled", total="500.00", paid_at=at(today - timedelta(days=1)), stock_state="released",
               lines=[("TENT", "Tent", 5, "100.00")])  # fmt: skip
    make_order(total="400.00", paid_at=at(first - timedelta(days=1), 23, 59, 59), lines=[("TENT", "Tent", 4, "100.00")])
    make_order(total="300.00", currency="EUR", paid_at=at(today), lines=[("TENT", "Tent", 3, "100.00")])
    return first


def test_the_figures_match_hand_computed_ones(store_a, django_assert_num_queries):
    today = timezone.now().astimezone(UTC).date()
    with in_store(store_a):
        first = seed(today)
        store_profile()  # the store's zone comes from the cached profile, which a dashboard request has read already
        with django_assert_num_queries(2):
            overview = sales_overview(currency="USD", today=today)
    # Orders: 2 + 1 + 1 = 4; sales 50 + 30 + 20 + 7 = 107; refunded 5; net 102; average 102 / 4 = 25.50.
    assert (overview.orders, overview.gross, overview.refunded, overview.net, overview.average_order_value) == (
        4, Decimal("107.00"), Decimal("5.00"), Decimal("102.00"), Decimal("25.50")
    )  # fmt: skip
    assert len(overview.days) == 30 and overview.days[0].day == first and overview.days[-1].day == today
    by_day = {day.day: (day.orders, day.net) for day in overview.days if day.orders}
    assert by_day == {
        first: (1, Decimal("7.00")),
        today - timedelta(days=2): (2, Decimal("80.00")),
        today: (1, Decimal("15.00")),
    }
    assert [(p.sku, p.units, p.revenue) for p in overview.top_by_revenue] == [
        ("PEG", 20, Decimal("40.00")), ("TENT", 1, Decimal("40.00")), ("MUG", 2, Decimal("20.00")),
        ("CARD", 1, Decimal("7.00")),
    ]  # fmt: skip
    assert [(p.sku, p.title, p.units) for p in overview.top_by_units] == [
        ("PEG", "Peg", 20), ("MUG", "Mug", 2), ("TENT", "Tent", 1), ("CARD", "Card", 1)
    ]  # fmt: skip


def test_the_page_shows_the_chart_and_numbers_with_a_constant_number_of_queries(client, store_a):
    today = timezone.now().astimezone(UTC).date()
    staff_of(client, store_a)

    def page_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/dashboard/sales/", HTTP_HOST=host_of(store_a))
        assert response.status_code == 200
        count = len([q for q in captured.captured_queries if not _schema_switch_alone(q["sql"])])
        return count, response.content.decode()

    page_queries()  # the first request also fills the host and profile caches
    empty_count, empty = page_queries()
    assert "No sales in these days." in empty
    with in_store(store_a):
        seed(today)
        for n in range(10):
            make_order(total="1.00", paid_at=at(today - timedelta(days=n + 3)), lines=[(f"X{n}", "X", 1, "1.00")])
    count, page = page_queries()
    assert count == empty_count
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="sales-chart"' in page
    days = re.findall(r'<g class="sales-day" data-day="([\d-]+)" data-net="([\d.]+)" data-orders="(\d+)">', page)
    assert len(days) == 30
    assert (str(today - timedelta(days=2)), "80.00", "2") in days
    assert (str(today), "15.00", "1") in days
    assert '<td id="sales-orders">14</td>' in page
    assert '<td id="sales-net">$112.00</td>' in page  # 102 + 10 x 1
    assert '<td id="sales-refunded">$5.00</td>' in page
    assert '<td id="sales-aov">$8.00</td>' in page  # 112 / 14


def test_another_store_sees_only_its_own_sales(client, store_a, store_b):
    today = timezone.now().astimezone(UTC).date()
    with in_store(store_a):
        seed(today)
    with in_store(store_b):
        make_order(total="3.00", paid_at=at(today), lines=[("BETA", "Beta", 1, "3.00")])
        assert sales_overview(currency="USD").gross == Decimal("3.00")
    staff_of(client, store_b, email="staff@beta.test")
    page = client.get("/dashboard/sales/", HTTP_HOST=host_of(store_b)).content.decode()
    assert '<td id="sales-orders">1</td>' in page and '<td id="sales-gross">$3.00</td>' in page
    assert "TENT" not in page
    assert client.get("/dashboard/sales/", HTTP_HOST=host_of(store_a)).status_code in (302, 403)
    with in_store(store_a):
        assert Order.objects.filter(currency="USD").count() == 7


def _schema_switch_alone(sql: str) -> bool:
    """A ``SET search_path`` sent on its own; one sent with a query (tenants.postgresql_backend) is that query."""
    return sql.startswith("SET search_path") and ";" not in sql
