"""List endpoints cost the same number of queries for 2 products as for 12: details come in fixed prefetches."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from storefront.catalog.services import add_product_image, adjust_stock, create_collection, update_collection

from ..catalog.factories import make_shirt, png

# Each list: COUNT, the page, then (products) one query each for variants, images, options and tags; the seller
# endpoints add the token lookup, the collection and the variant endpoints the lookup of what the URL names. Pinned so that a new N+1 shows up here as a changed number, not in production.
EXPECTED = {
    "/products": 6,
    "/products?q=shirt&sort=-price": 6,
    "/search?q=shirt": 6,
    "/variants": 2,
    "/collections": 2,
    "/collections/{collection}/products": 7,
    "/products/{product}/variants": 1,
    "/seller/products": 7,
    "/seller/products?status=active": 7,
    "/seller/collections": 3,
    "/seller/tokens": 3,
    "/seller/variants/{variant}/adjustments": 4,
}


def _add_products(store, count: int, start: int) -> list:
    products = []
    for number in range(start, start + count):
        shirt = make_shirt(store, title=f"Alpha Shirt {number:02d}", sku_prefix=f"QC{number:02d}")
        with schema_context(store.schema_name):
            for _ in range(2):
                add_product_image(product=shirt, file=ContentFile(png(), name="shirt.png"))
            adjust_stock(variant=shirt.variants.first(), delta=1, reason="received")
        products.append(shirt)
    return products


def _api_queries(captured: list[dict], schema_name: str) -> int:
    """Queries the request ran, not counting search_path switches; routing itself runs none once the host is
    cached (tests/tenants/test_host_cache.py), and the warm-up request below caches it."""
    assert not any("tenants_storedomain" in query["sql"] for query in captured), "routing should be cached"
    return len([query for query in captured if not query["sql"].startswith("SET search_path")])


def _query_counts(api, store, token: str, ids: dict) -> dict[str, int]:
    counts = {}
    for template in EXPECTED:
        path = template.format(**ids)
        seller = path.startswith("/seller/")
        api("get", store, path, token=token if seller else None)  # warm the store lookup and the token's last use
        with CaptureQueriesContext(connection) as queries:
            response = api("get", store, path, token=token if seller else None)
        assert response.status_code == 200, (path, response.content)
        counts[template] = _api_queries(queries.captured_queries, store.schema_name)
    return counts


@pytest.mark.django_db
def test_list_endpoints_keep_a_constant_query_count(store_a, api, token_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = _add_products(store_a, 2, start=1)
    with schema_context(store_a.schema_name):
        collection = create_collection(title="Alpha All Shirts", products=first)
        ids = {"collection": collection.pk, "product": first[0].pk, "variant": first[0].variants.first().pk}

    with_two = _query_counts(api, store_a, token_a, ids)
    more = _add_products(store_a, 10, start=3)
    with schema_context(store_a.schema_name):
        update_collection(collection=collection, products=first + more)
        for _ in range(5):
            adjust_stock(variant=first[0].variants.first(), delta=1, reason="received")
    with_twelve = _query_counts(api, store_a, token_a, ids)

    assert with_two == with_twelve == EXPECTED
    page = api("get", store_a, "/products?limit=100").json()
    assert page["count"] == 13 and sum(len(p["variants"]) for p in page["items"]) == 49
