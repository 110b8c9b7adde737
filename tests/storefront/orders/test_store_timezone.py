"""The store's time zone decides which day an order counts on: sales overview, order filters, exports, console stats."""

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from storefront.orders.reports import sales_overview
from storefront.orders.selectors import store_timezone
from storefront.stats import gather_store_stats
from storefront.themes.models import StoreProfile
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tenants.models import StoreDailyStats
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_order_list_and_export import download, listed, make_order, staff_of

# A fixed "today" for the reports, so no assertion depends on the clock; the order is paid five days before it.
TODAY = date(2024, 5, 20)
PAID_DAY = date(2024, 5, 15)
LATE_EVENING_UTC = datetime.combine(PAID_DAY, time(23, 30), tzinfo=UTC)  # 01:30 the next day in Berlin (CEST)


def set_zone(store, name: str, capture) -> None:
    """Change the store's zone the way the settings page does, committed as a request's transaction would be."""
    with schema_context(store.schema_name), capture(execute=True):
        update_profile(profile=StoreProfile.objects.get(), timezone=name)


def order_days(store, *, today: date = TODAY) -> dict[date, tuple[int, Decimal]]:
    with in_store(store):
        overview = sales_overview(currency="USD", today=today)
    return {day.day: (day.orders, day.net) for day in overview.days if day.orders}


@pytest.mark.parametrize(("zone", "counted_on"), [("UTC", PAID_DAY), ("Europe/Berlin", PAID_DAY + timedelta(days=1))])
def test_an_order_paid_at_2330_utc_counts_on_the_store_s_own_day(
    store_a, zone, counted_on, django_capture_on_commit_callbacks
):
    set_zone(store_a, zone, django_capture_on_commit_callbacks)
    with in_store(store_a):
        make_order(total="42.00", paid_at=LATE_EVENING_UTC)
    assert order_days(store_a) == {counted_on: (1, Decimal("42.00"))}


def test_the_last_30_days_start_and_end_at_the_store_s_midnight(store_a, django_capture_on_commit_callbacks):
    first = TODAY - timedelta(days=29)
    with in_store(store_a):
        # 22:30 UTC the day before the window is 00:30 of its first day in Berlin (CEST, UTC+2).
        make_order(total="5.00", paid_at=datetime.combine(first - timedelta(days=1), time(22, 30), tzinfo=UTC))
        # 22:30 UTC on the last day is already the next day in Berlin: outside the window there.
        make_order(total="7.00", paid_at=datetime.combine(TODAY, time(22, 30), tzinfo=UTC))
    assert order_days(store_a) == {TODAY: (1, Decimal("7.00"))}
    set_zone(store_a, "Europe/Berlin", django_capture_on_commit_callbacks)
    assert order_days(store_a) == {first: (1, Decimal("5.00"))}


def test_the_sales_page_counts_and_names_the_store_s_zone(client, store_a, django_capture_on_commit_callbacks):
    set_zone(store_a, "Europe/Berlin", django_capture_on_commit_callbacks)
    paid_day = timezone.now().astimezone(UTC).date() - timedelta(days=3)
    with in_store(store_a):
        make_order(total="42.00", paid_at=datetime.combine(paid_day, time(23, 30), tzinfo=UTC))
    staff_of(client, store_a)
    page = client.get("/dashboard/sales/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "(Europe/Berlin)" in page
    days = re.findall(r'data-day="([\d-]+)" data-net="([\d.]+)" data-orders="(\d+)"', page)
    assert [(day, net) for day, net, orders in days if orders != "0"] == [
        ((paid_day + timedelta(days=1)).isoformat(), "42.00")
    ]


@pytest.mark.parametrize(("zone", "listed_on"), [("UTC", "2024-05-15"), ("Europe/Berlin", "2024-05-16")])
def test_the_order_list_date_filter_uses_the_store_s_days(
    client, store_a, zone, listed_on, django_capture_on_commit_callbacks
):
    set_zone(store_a, zone, django_capture_on_commit_callbacks)
    with in_store(store_a):
        order = make_order(created_at=LATE_EVENING_UTC)
    staff_of(client, store_a)
    other_day = "2024-05-16" if listed_on == "2024-05-15" else "2024-05-15"
    assert listed(client, store_a, f"?created_from={listed_on}&created_to={listed_on}") == [order.pk]
    assert listed(client, store_a, f"?created_from={other_day}&created_to={other_day}") == []


def test_dashboard_times_and_csv_timestamps_are_in_the_store_s_zone(
    client, store_a, django_capture_on_commit_callbacks
):
    set_zone(store_a, "Europe/Berlin", django_capture_on_commit_callbacks)
    with in_store(store_a):
        order = make_order(created_at=LATE_EVENING_UTC, paid_at=LATE_EVENING_UTC)
    staff_of(client, store_a)
    listing = client.get("/dashboard/orders/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "2024-05-16 01:30" in listing and "2024-05-15 23:30" not in listing
    detail = client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "placed 2024-05-16 01:30" in detail
    rows = download(client, store_a, "/dashboard/orders/export.csv")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["created_at"], row["paid_at"]) == ("2024-05-16T01:30:00+02:00", "2024-05-16T01:30:00+02:00")
    lines = download(client, store_a, "/dashboard/orders/export-lines.csv")
    assert lines[1:] == []  # no lines on this order; the header still comes
    # The zone is the dashboard's only: outside a dashboard request Django's own stays UTC.
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize(("zone", "counted_on"), [("UTC", PAID_DAY), ("Europe/Berlin", PAID_DAY + timedelta(days=1))])
def test_the_console_stats_count_the_same_day_as_the_sales_overview(
    store_a, zone, counted_on, django_capture_on_commit_callbacks
):
    set_zone(store_a, zone, django_capture_on_commit_callbacks)
    with in_store(store_a):
        make_order(total="42.00", paid_at=LATE_EVENING_UTC)
    with schema_context(store_a.schema_name):
        gather_store_stats(store=store_a, today=TODAY)
    counted = {row.date: (row.orders, row.gmv) for row in StoreDailyStats.objects.filter(store=store_a) if row.orders}
    assert counted == {counted_on: (1, Decimal("42.00"))} == order_days(store_a)


def test_store_b_s_zone_does_not_change_store_a_s_days(client, store_a, store_b, django_capture_on_commit_callbacks):
    set_zone(store_b, "Pacific/Auckland", django_capture_on_commit_callbacks)
    with in_store(store_b):
        assert store_profile().timezone == "Pacific/Auckland"  # B's profile is cached under B's schema
    with in_store(store_a):
        assert str(store_timezone()) == "UTC"
        order = make_order(total="42.00", paid_at=LATE_EVENING_UTC, created_at=LATE_EVENING_UTC)
    assert order_days(store_a) == {PAID_DAY: (1, Decimal("42.00"))}
    with schema_context(store_a.schema_name):
        gather_store_stats(store=store_a, today=TODAY)
    assert StoreDailyStats.objects.get(store=store_a, date=PAID_DAY).orders == 1
    staff_of(client, store_a)
    assert listed(client, store_a, "?created_from=2024-05-15&created_to=2024-05-15") == [order.pk]
    assert "2024-05-15 23:30" in client.get("/dashboard/orders/", HTTP_HOST=host_of(store_a)).content.decode()


def test_a_changed_zone_is_read_at_once_despite_the_profile_cache(store_a, django_capture_on_commit_callbacks):
    with in_store(store_a):
        assert str(store_timezone()) == "UTC"  # now cached in Redis under store A's schema
    set_zone(store_a, "America/New_York", django_capture_on_commit_callbacks)
    with in_store(store_a):
        assert str(store_timezone()) == "America/New_York"


def test_the_service_refuses_an_unknown_zone_and_keeps_the_old_one(store_a, django_capture_on_commit_callbacks):
    for bad in ("Mars/Olympus_Mons", "localtime", "", "../../etc/passwd"):
        with pytest.raises(ValidationError) as refused:
            set_zone(store_a, bad, django_capture_on_commit_callbacks)
        assert "timezone" in refused.value.message_dict
    with schema_context(store_a.schema_name):
        assert StoreProfile.objects.get().timezone == "UTC"


def test_the_buyers_order_page_shows_times_in_the_store_s_zone(client, store_a, django_capture_on_commit_callbacks):
    from storefront.orders.models import OrderEvent

    set_zone(store_a, "Europe/Berlin", django_capture_on_commit_callbacks)
    with in_store(store_a):
        order = make_order(created_at=LATE_EVENING_UTC, paid_at=LATE_EVENING_UTC)
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.PAID, message="Stripe payment pi_x")
        OrderEvent.objects.filter(order=order).update(created_at=LATE_EVENING_UTC)
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    # The buyer's page writes times in the page's language (English here): 01:30 in Berlin, not 23:30 UTC.
    assert "May 16, 2024, 1:30 a.m." in page and "11:30 p.m." not in page
