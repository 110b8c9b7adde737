"""The platform dashboard: sign-ups, stores by status, MRR by plan, GMV and failed payments, as numbers and SVG charts."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Plan, StripeEvent, Subscription
from tenants.console.selectors import platform_figures
from tenants.models import Store
from tenants.services import provision_store
from tests.console.conftest import PLATFORM_HOST, add_stats, admin_url, days_ago, today


def _dashboard(client):
    response = client.get(admin_url("tenants_store_dashboard"), HTTP_HOST=PLATFORM_HOST)
    assert response.status_code == 200
    return response.content.decode()


def _platform_with_history(store_a, store_b):
    plans = {plan.code: plan for plan in Plan.objects.all()}
    Subscription.objects.create(store=store_a, plan=plans["starter"], status="active", stripe_customer_id="cus_d_a")
    Subscription.objects.create(
        store=store_b, plan=plans["pro"], status="past_due", interval="year", stripe_customer_id="cus_d_b"
    )
    extra = provision_store(name="Gamma Goods", slug="gamma")
    Subscription.objects.create(store=extra, plan=plans["pro"], status="trialing", stripe_customer_id="cus_d_c")
    Store.objects.filter(pk=extra.pk).update(
        status=Store.Status.SUSPENDED, created_at=timezone.now() - timedelta(days=3)
    )
    add_stats(store_a, days_ago(2), orders=3, gmv="60.00")
    add_stats(store_a, today(), orders=1, gmv="15.00")
    add_stats(store_b, days_ago(2), orders=2, gmv="40.00")
    add_stats(store_b, days_ago(120), orders=9, gmv="900.00")  # older than the dashboard's 90 days
    for number, day in enumerate((days_ago(1), days_ago(1), days_ago(30))):
        StripeEvent.objects.create(
            event_id=f"evt_failed_{number}", type="invoice.payment_failed", payload={}, stripe_created=0
        )
        StripeEvent.objects.filter(event_id=f"evt_failed_{number}").update(
            received_at=timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12))
        )
    StripeEvent.objects.create(event_id="evt_paid", type="invoice.paid", payload={}, stripe_created=0)


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_the_figures_come_from_public_tables_and_daily_stats(store_a, store_b):
    _platform_with_history(store_a, store_b)
    figures = platform_figures()
    assert figures["stores"] == {"provisioning": 0, "active": 2, "suspended": 1, "closed": 0}
    # Starter monthly 19 + Pro yearly 790/12 (past due still owed); the trial pays nothing yet.
    assert [(entry.plan, entry.subscriptions, entry.mrr) for entry in figures["plans"]] == [
        ("Starter", 1, Decimal("19.00")), ("Pro", 1, Decimal("65.83")),
    ]  # fmt: skip
    assert str(figures["mrr_by_currency"]["USD"]) == "84.83"
    assert (figures["trialing"], figures["past_due"]) == (1, 1)
    assert str(figures["gmv_by_currency"]["USD"]) == "115.00" and figures["orders_total"] == 6
    assert figures["failed_payments_total"] == 3
    assert figures["signups_total"] == Store.objects.filter(created_at__date__gte=days_ago(89)).count()
    charts = {chart.title: chart for chart in figures["charts"]}
    gmv = charts["GMV per day (USD)"]
    assert len(gmv.bars) == 90 and gmv.bars[-1].value == "15.00" and gmv.bars[-3].value == "100.00"
    failed = charts["Failed payments per day"]
    assert [bar.value for bar in failed.bars[-2:]] == ["2", "0"]
    # The tallest bar fills the chart; a day with nothing has no height.
    assert max(bar.height for bar in gmv.bars) == gmv.height - 4 and gmv.bars[0].height == 0


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_the_page_shows_the_numbers_and_inline_svg_charts(admin_client, store_a, store_b):
    _platform_with_history(store_a, store_b)
    page = _dashboard(admin_client)
    assert "<strong>84.83 USD</strong> MRR" in page
    assert "<strong>3</strong> failed payments" in page and "<strong>1</strong> suspended" in page
    svgs = re.findall(r"<svg role=\"img\".*?</svg>", page, flags=re.S)
    assert len(svgs) == 5
    assert all(svg.count('class="bar"') >= 1 for svg in svgs)
    assert "<script" not in page.split('id="content-main"')[1]  # server-rendered: no chart library
    assert "https://" not in page


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_the_dashboard_costs_the_same_queries_for_many_stores(
    admin_client, store_a, store_b, django_assert_max_num_queries
):
    _platform_with_history(store_a, store_b)
    _dashboard(admin_client)
    with CaptureQueriesContext(connection) as few:
        _dashboard(admin_client)
    starter = Plan.objects.get(code="starter")
    for number in range(6):
        store = provision_store(name=f"Busy {number}", slug=f"busy-{number}")
        Subscription.objects.create(store=store, plan=starter, status="active", stripe_customer_id=f"cus_busy_{number}")
        for offset in range(5):
            add_stats(store, days_ago(offset), orders=number + 1, gmv="10.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _dashboard(admin_client)
    assert f"<strong>{Decimal('19.00') * 7 + Decimal('65.83')} USD</strong> MRR" in page
