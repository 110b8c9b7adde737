"""The dashboard's product search with a word most products contain: the same matches, read a page at a time."""

import json
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from storefront.catalog import selectors
from storefront.catalog.services import create_product
from tests.conftest import host_of, sign_in_on
from tests.storefront.catalog.factories import make_product

COMMON_FROM = 5  # products containing a word from which it counts as common, lowered from 1,000 for a small store


@pytest.fixture
def few_make_common(monkeypatch):
    monkeypatch.setattr(selectors, "COMMON_WORD_MATCHES", COMMON_FROM)


def _listed(client, store, query: str) -> list[str]:
    response = client.get(f"/dashboard/products/?q={query}", HTTP_HOST=host_of(store))
    assert response.status_code == 200
    return re.findall(r'<a href="/dashboard/products/\d+/">([^<]+)</a>', response.content.decode())


def _plan_rows(store, query: str) -> list[tuple[str, int]]:
    """(relation, rows it returned) for each scan of the product table when the list's first page is read,
    sorted scans turned off so the plan reads in title order as it does on a large catalogue."""
    found = selectors.products(for_sale=False, query=query).prefetch_related(None).order_by("title", "id")[:51]
    sql, params = found.query.sql_with_params()
    with schema_context(store.schema_name), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scans = []

    def walk(node: dict) -> None:
        if node.get("Relation Name") == "catalog_product":
            scans.append((node["Node Type"], node["Actual Rows"] * node["Actual Loops"]))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return scans


def test_a_word_every_product_contains_finds_the_same_products_as_a_rare_one(client, store_a, owner_a, few_make_common):
    for number in range(8):
        make_product(store_a, title=f"Alpha Quillon {number}", status="draft" if number % 2 else "active")
    make_product(store_a, title="Alpha Ferrule", tags=["quillon"])  # the word in a tag only
    make_product(store_a, title="Alpha Marrowby", description="<p>Beside a quillon.</p>")  # ... in the description only
    make_product(store_a, title="Alpha Gimbalet")
    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        quillon = _listed(client, store_a, "quillon")
        assert quillon == ["Alpha Ferrule", "Alpha Marrowby"] + [f"Alpha Quillon {n}" for n in range(8)]
        # A common word beside a rare one: only the products with both.
        assert _listed(client, store_a, "quillon+3") == ["Alpha Quillon 3"]
        assert _listed(client, store_a, "alpha+marrowby") == ["Alpha Marrowby"]
        assert _listed(client, store_a, "alpha+gimbalet+quillon") == []


def test_a_common_word_reads_a_page_of_products_not_every_match(store_a, few_make_common):
    with schema_context(store_a.schema_name):
        for number in range(120):
            create_product(title=f"Alpha Dunnage {number:03}", price="3.00", status="draft")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_product")
    scans = _plan_rows(store_a, "dunnage")
    # The list reads 51 rows in title order, and the test of whether "dunnage" is common stops at its fifth match:
    # no scan collects all 120 products that contain the word.
    assert scans and all(rows <= 51 for _, rows in scans), scans


def test_the_search_query_count_is_the_same_for_common_and_rare_words(client, store_a, owner_a):
    for number in range(6):
        make_product(store_a, title=f"Alpha Sprocketry {number}")
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, HTTP_HOST=host).status_code == 200
        return len(captured)

    queries("/dashboard/products/?q=sprocketry")  # the first request also fills the host and profile caches
    rare = queries("/dashboard/products/?q=sprocketry+4")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "COMMON_WORD_MATCHES", 2)
        assert queries("/dashboard/products/?q=sprocketry") == rare
        assert queries("/dashboard/products/?q=sprocketry+4") == rare


def test_another_stores_products_never_match_a_common_word(client, store_a, store_b, owner_a,
                                                          few_make_common):  # fmt: skip
    for number in range(6):
        make_product(store_b, title=f"Beta Lantern Wick {number}")
    for number in range(5):
        make_product(store_a, title=f"Alpha Lantern Wick {number}")
    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        assert _listed(client, store_a, "wick") == [f"Alpha Lantern Wick {n}" for n in range(5)]
        assert _listed(client, store_a, "beta+wick") == []
