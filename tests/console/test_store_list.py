"""The console's store list: every column from public tables and daily stats, search, filters, sorting, CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Plan, Subscription
from tenants.models import Store, StoreDomain
from tenants.services import provision_store
from tests.conftest import add_member, make_user
from tests.console.conftest import PLATFORM_HOST, add_stats, admin_url, days_ago, today


def _list(client, **params):
    return client.get(admin_url("tenants_store_changelist"), params, HTTP_HOST=PLATFORM_HOST)


def _csv(client, **params) -> list[dict]:
    response = client.get(admin_url("tenants_store_export_csv"), params, HTTP_HOST=PLATFORM_HOST)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _alpha_with_figures(store_a):
    add_member(store_a, make_user("owner@alpha.test"), "owner")
    StoreDomain.objects.create(tenant=store_a, domain="shop.alpha-outfitters.test", is_primary=False)
    Subscription.objects.create(
        store=store_a, plan=Plan.objects.get(code="starter"), status="trialing", stripe_customer_id="cus_alpha_list",
        trial_end=timezone.now() + timedelta(days=5),
    )  # fmt: skip
    add_stats(store_a, days_ago(40), orders=100, gmv="9999.00")  # outside the 30 days
    add_stats(store_a, days_ago(3), orders=2, gmv="30.00")
    add_stats(
        store_a, today(), orders=1, gmv="12.50", product_count=7, schema_bytes=3 * 1024 * 1024,
        last_seller_activity_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip


def test_the_csv_has_every_column_from_public_tables_and_the_last_30_days(admin_client, store_a, store_b):
    _alpha_with_figures(store_a)
    rows = {row["Name"]: row for row in _csv(admin_client)}
    alpha, beta = rows["Alpha Outfitters"], rows["Beta Books"]
    assert alpha["Subdomain"] == "alpha.localhost"
    assert alpha["Custom domains"] == "shop.alpha-outfitters.test"
    assert alpha["Owner"] == "owner@alpha.test"
    assert (alpha["Plan"], alpha["Subscription status"], alpha["Store status"]) == ("starter", "trialing", "active")
    assert alpha["Trial end"] and alpha["Created"] and alpha["Last seller activity"]
    assert (alpha["Products"], alpha["Orders (30 days)"], alpha["GMV (30 days)"]) == ("7", "3", "42.50")
    assert alpha["Schema bytes"] == str(3 * 1024 * 1024)
    # Store B has no figures of its own and none of A's.
    assert (beta["Plan"], beta["Orders (30 days)"], beta["GMV (30 days)"], beta["Owner"]) == ("free", "0", "0", "")


def test_the_list_page_shows_the_columns(admin_client, store_a, store_b):
    _alpha_with_figures(store_a)
    page = _list(admin_client).content.decode()
    for text in ("shop.alpha-outfitters.test", "owner@alpha.test", "Starter", "Trialing", "42.50 USD", "3.0 MB"):
        assert text in page, text


def test_search_filters_and_sorting(admin_client, store_a, store_b):
    _alpha_with_figures(store_a)
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)
    names = lambda **params: [row["Name"] for row in _csv(admin_client, **params)]  # noqa: E731
    assert names(q="owner@alpha") == ["Alpha Outfitters"]
    assert names(q="alpha-outfitters.test") == ["Alpha Outfitters"]
    assert names(status__exact="suspended") == ["Beta Books"]
    assert names(subscription__status__exact="trialing") == ["Alpha Outfitters"]
    starter = Plan.objects.get(code="starter")
    assert names(subscription__plan__id__exact=str(starter.pk)) == ["Alpha Outfitters"]
    assert set(names(created_at__gte=f"{today()} 00:00:00+00:00")) >= {"Alpha Outfitters", "Beta Books"}
    assert names(created_at__gte=f"{today() + timedelta(days=1)} 00:00:00+00:00") == []
    bad = admin_client.get(admin_url("tenants_store_export_csv"), {"created_at__gte": "soon"}, HTTP_HOST=PLATFORM_HOST)
    assert bad.status_code == 400
    # Sorting by a figure column: "orders (30 d)" is column 11 of list_display (1-based), descending.
    page = _list(admin_client, o="-11").content.decode()
    assert page.index("Alpha Outfitters") < page.index("Beta Books")
    page = _list(admin_client, o="11").content.decode()
    assert page.index("Beta Books") < page.index("Alpha Outfitters")


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_the_list_costs_the_same_queries_for_ten_stores_as_for_two(
    admin_client, store_a, django_assert_max_num_queries
):
    _alpha_with_figures(store_a)
    _list(admin_client)  # warm the session and content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert _list(admin_client).status_code == 200
    for number in range(8):
        store = provision_store(name=f"Many {number}", slug=f"many-{number}")
        add_member(store, make_user(f"owner{number}@many.test"), "owner")
        add_stats(store, today(), orders=number, gmv="5.00", product_count=number, schema_bytes=1000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _list(admin_client)
    assert "Many 7" in page.content.decode()
