"""The sales chart's axes: amounts on the left, order counts on the right and dates below, in round figures that
match the bars' scale; drawn by the server into the SVG, styled from the stylesheet."""

import re
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from storefront.orders.reports import nice_ceiling
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_order_list_and_export import staff_of
from tests.storefront.orders.test_sales_overview import seed


@pytest.mark.parametrize(
    ("value", "top"),
    [(0, "0"), (1, "1"), (3, "5"), (80, "100"), (107, "200"), (38.5, "50"), (21, "25"), ("0.4", "0.5"), (1000, "1000")],
)
def test_the_scale_tops_out_at_a_round_figure(value, top):
    assert nice_ceiling(Decimal(str(value))) == Decimal(top)


def _axis(page: str, name: str) -> list[str]:
    group = re.search(rf'<g class="chart-axis chart-{name}" id="sales-chart-{name}">(.*?)</g>', page, re.S).group(1)
    return re.findall(r"<text [^>]*>([^<]*)</text>", group)


def test_the_chart_has_value_order_and_date_labels(client, store_a, store_b):
    today = timezone.now().astimezone(UTC).date()
    staff_of(client, store_a)
    with in_store(store_a):
        first = seed(today)  # the best day nets $80.00 from 2 orders
    page = client.get("/dashboard/sales/", HTTP_HOST=host_of(store_a)).content.decode()
    assert _axis(page, "values") == ["$0.00", "$50.00", "$100.00"]
    assert _axis(page, "orders") == ["0", "1", "2"]
    week_days = [first + timedelta(days=offset) for offset in (0, 7, 14, 21)] + [today]
    assert _axis(page, "days") == [f"{day.day} {day:%b}" for day in week_days]
    # The $80.00 day's bar reaches 80 % of the way to the $100.00 line (the plot is 190 units high).
    bar = re.search(
        rf'data-day="{today - timedelta(days=2)}"[^>]*>\s*<title>[^<]*</title>\s*<rect class="chart-bar" [^>]*height="([\d.]+)"',
        page,
    )
    assert float(bar.group(1)) == pytest.approx(152.0)
    assert "style=" not in page[page.index('id="sales-chart"') : page.index("</svg>")]


def test_a_store_without_sales_has_a_zero_axis_and_none_of_another_stores_figures(client, store_a, store_b):
    today = timezone.now().astimezone(UTC).date()
    with in_store(store_a):
        seed(today)
    staff_of(client, store_b)
    page = client.get("/dashboard/sales/", HTTP_HOST=host_of(store_b)).content.decode()
    assert _axis(page, "values") == ["$0.00"]
    assert _axis(page, "orders") == ["0"]
    assert len(_axis(page, "days")) == 5
    assert "$100.00" not in page and "$80.00" not in page
