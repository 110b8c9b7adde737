"""GMV in several currencies: the console shows one figure per currency and never adds them together."""

import csv
import io
from decimal import Decimal

import pytest

from tenants.console.selectors import gmv_by_currency, money_by_currency, platform_figures, store_list_queryset
from tenants.console.stats import record_daily_stats
from tenants.models import Store
from tenants.services import provision_store
from tests.console.conftest import PLATFORM_HOST, admin_url, days_ago, today


def _stats(store, day, gmv: str, currency: str, orders: int = 1) -> None:
    record_daily_stats(store=store, day=day, orders=orders, gmv=Decimal(gmv), currency=currency)


def _csv(client) -> dict[str, dict]:
    response = client.get(admin_url("tenants_store_export_csv"), HTTP_HOST=PLATFORM_HOST)
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    return {row["Name"]: row for row in rows}


def _two_currencies(store_a, store_b):
    # Store A sold in EUR, then switched to USD (its newest row): both figures stay apart.
    _stats(store_a, days_ago(20), "300.00", "EUR")
    _stats(store_a, days_ago(40), "5000.00", "EUR")  # outside the 30 days
    _stats(store_a, days_ago(3), "1000.00", "USD")
    _stats(store_a, today(), "150.00", "USD")
    _stats(store_b, days_ago(2), "80.00", "EUR")


def test_the_store_list_shows_each_currency_apart(admin_client, store_a, store_b):
    _two_currencies(store_a, store_b)
    page = admin_client.get(admin_url("tenants_store_changelist"), HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "1,150.00 USD · 300.00 EUR" in page
    assert "80.00 EUR" in page
    assert "1450" not in page and "1,450.00" not in page  # never summed across currencies
    rows = _csv(admin_client)
    alpha, beta = rows["Alpha Outfitters"], rows["Beta Books"]
    # The plain column is in the store's current currency only; the other column has every currency.
    assert (alpha["GMV (30 days)"], alpha["GMV currency"]) == ("1150.00", "USD")
    assert alpha["GMV (30 days) by currency"] == "1,150.00 USD · 300.00 EUR"
    assert (beta["GMV (30 days)"], beta["GMV currency"], beta["GMV (30 days) by currency"]) == (
        "80.00", "EUR", "80.00 EUR",
    )  # fmt: skip


def test_sorting_by_gmv_uses_each_stores_own_currency_figure(store_a, store_b):
    _two_currencies(store_a, store_b)
    stores = {store.slug: store for store in store_list_queryset(Store.objects.all())}
    assert stores["alpha"].gmv_30d == Decimal("1150.00")
    assert gmv_by_currency(stores["alpha"].gmv_30d_days) == {"USD": Decimal("1150.00"), "EUR": Decimal("300.00")}
    assert gmv_by_currency(stores["beta"].gmv_30d_days) == {"EUR": Decimal("80.00")}


def test_money_by_currency_puts_the_main_currency_first_then_the_largest():
    amounts = {"EUR": Decimal("300"), "GBP": Decimal("2000.5"), "USD": Decimal("1150")}
    assert money_by_currency(amounts, main="USD") == "1,150.00 USD · 2,000.50 GBP · 300.00 EUR"
    assert money_by_currency({}, main="USD") == "—"


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_the_dashboard_has_one_gmv_series_and_total_per_currency(admin_client, store_a, store_b):
    _two_currencies(store_a, store_b)
    gamma = provision_store(name="Gamma Goods", slug="gamma")
    _stats(gamma, days_ago(2), "20.00", "USD")
    figures = platform_figures()
    assert figures["gmv_by_currency"] == {"USD": Decimal("1170.00"), "EUR": Decimal("5380.00")}
    charts = {chart.title: chart for chart in figures["charts"]}
    assert {"GMV per day (USD)", "GMV per day (EUR)"} <= set(charts)
    assert "GMV per day" not in charts
    assert charts["GMV per day (USD)"].bars[-3].value == "20.00"  # gamma's USD only, not beta's EUR that day
    assert charts["GMV per day (EUR)"].bars[-3].value == "80.00"
    page = admin_client.get(admin_url("tenants_store_dashboard"), HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "1170.00 USD" in page and "5380.00 EUR" in page
