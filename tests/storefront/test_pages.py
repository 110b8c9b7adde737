"""The store's buyer pages: listings with sorting, filters and pages, product pages, search, SEO files."""

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from storefront.catalog.services import OptionSpec, VariantSpec, create_collection, create_product
from tests.conftest import STORE_A, host_of
from tests.storefront.catalog.factories import make_product, make_shirt, png


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/products/[\w-]+/">([^<]+)</a></h3>', html)


def _get(client, store, path: str, **params):
    return client.get(path, params, HTTP_HOST=host_of(store))


@pytest.fixture
def shelf(store_a):
    """Store A with a few products of different prices, tags and stock."""
    make_product(store_a, "Cedar Bowl", "30.00", tags=["kitchen"])
    make_product(store_a, "Ash Spoon", "8.00", tags=["kitchen"], track_inventory=True, stock=0)
    make_product(store_a, "Birch Board", "45.00", tags=["kitchen", "gift"])
    make_product(store_a, "Draft Thing", "5.00", status="draft")
    return store_a


def test_the_listing_sorts_by_name_and_price(client, shelf):
    by_name = _titles(_get(client, shelf, "/products/").content.decode())
    assert by_name == ["Alpha Trail Tent", "Ash Spoon", "Birch Board", "Cedar Bowl"]
    by_price = _titles(_get(client, shelf, "/products/", sort="-price").content.decode())
    assert by_price == ["Birch Board", "Cedar Bowl", "Alpha Trail Tent", "Ash Spoon"]


def test_the_listing_filters_by_price_tag_and_availability(client, shelf):
    assert _titles(_get(client, shelf, "/products/", min_price="9", max_price="40").content.decode()) == [
        "Alpha Trail Tent",
        "Cedar Bowl",
    ]
    assert _titles(_get(client, shelf, "/products/", tag="gift").content.decode()) == ["Birch Board"]
    assert "Ash Spoon" not in _titles(_get(client, shelf, "/products/", in_stock="1").content.decode())


def test_nonsense_filters_are_ignored_not_errors(client, shelf):
    response = _get(client, shelf, "/products/", min_price="NaN", max_price="-3", sort="drop table", page="x")
    assert response.status_code == 200
    assert len(_titles(response.content.decode())) == 4


def test_the_listing_is_paginated(client, store_a):
    for index in range(30):
        make_product(store_a, f"Peg {index:02d}", "1.00")
    first = _get(client, store_a, "/products/").content.decode()
    second = _get(client, store_a, "/products/", page="2").content.decode()
    assert len(_titles(first)) == 24 and len(_titles(second)) == 7
    assert "Page 1 of 2" in first and 'rel="next" href="?page=2"' in first
    assert set(_titles(first)).isdisjoint(_titles(second))


def test_listing_and_product_pages_keep_a_constant_query_count(client, store_a, settings):
    settings.STOREFRONT_PAGE_CACHE = False  # count what rendering costs, not what the page cache saves

    def count(path: str) -> int:
        _get(client, store_a, path)  # warm the per-store caches, as any earlier visitor would
        with CaptureQueriesContext(connection) as queries:
            assert _get(client, store_a, path).status_code == 200
        return len(queries)

    few = {path: count(path) for path in ("/", "/products/", "/products/alpha-trail-tent/", "/sitemap.xml")}
    for index in range(40):
        make_product(store_a, f"Extra {index:02d}", "2.00", image_bytes=png())
    many = {path: count(path) for path in ("/", "/products/", "/products/alpha-trail-tent/", "/sitemap.xml")}
    assert many == few
    assert few["/products/"] <= 8


def test_a_collection_page_lists_its_products(client, shelf):
    with schema_context(shelf.schema_name):
        create_collection(title="Gifts", kind="rule", rule_tag="gift")
    page = _get(client, shelf, "/collections/gifts/").content.decode()
    assert "<h1>Gifts</h1>" in page and _titles(page) == ["Birch Board"]
    assert _get(client, shelf, "/collections/nope/").status_code == 404


def test_search_finds_by_title_and_tag(client, shelf):
    assert _titles(_get(client, shelf, "/search/", q="board").content.decode()) == ["Birch Board"]
    assert set(_titles(_get(client, shelf, "/search/", q="kitchen").content.decode())) == {
        "Ash Spoon",
        "Birch Board",
        "Cedar Bowl",
    }
    assert "No products match." in _get(client, shelf, "/search/", q="zzzz").content.decode()


def test_the_product_page_has_variants_stock_json_ld_and_open_graph(client, store_a):
    shirt = make_shirt(store_a)
    response = _get(client, store_a, f"/products/{shirt.slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('type="radio" name="variant"') == 4
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Product" and data["name"] == "Field Shirt"
    assert {offer["sku"] for offer in data["offers"]} == {"SHIRT-S-Blue", "SHIRT-S-Red", "SHIRT-M-Blue", "SHIRT-M-Red"}
    assert {offer["priceCurrency"] for offer in data["offers"]} == {"USD"}
    assert '<meta property="og:type" content="product">' in page
    assert f'<link rel="canonical" href="http://{host_of(store_a)}/products/{shirt.slug}/">' in page


def test_the_variant_picker_works_without_javascript(client, store_a):
    shirt = make_shirt(store_a)
    with schema_context(store_a.schema_name):
        medium_red = shirt.variants.get(sku="SHIRT-M-Red")
    page = _get(client, store_a, f"/products/{shirt.slug}/", variant=str(medium_red.pk)).content.decode()
    assert '<span id="variant-price">$22.00</span>' in page
    assert f'value="{medium_red.pk}" checked' in page


def test_stock_state_is_shown(client, store_a):
    with schema_context(store_a.schema_name):
        create_product(
            title="Lantern",
            options=[OptionSpec("Colour")],
            variants=[
                VariantSpec(sku="L-G", price=Decimal("15"), options=["Green"], stock=0, track_inventory=True),
                VariantSpec(sku="L-B", price=Decimal("15"), options=["Blue"], stock=2, track_inventory=True),
            ],
        )
    page = _get(client, store_a, "/products/lantern/").content.decode()
    assert "Only 2 left" in page and "Green (sold out)" in page


def test_drafts_and_other_stores_products_are_not_found(client, store_a, store_b):
    make_product(store_a, "Secret Prototype", "9.00", status="draft")
    assert _get(client, store_a, "/products/secret-prototype/").status_code == 404
    assert _get(client, store_b, "/products/alpha-trail-tent/").status_code == 404
    assert STORE_A["product"] not in _get(client, store_b, "/search/", q="Alpha").content.decode()


def test_descriptions_are_rendered_sanitised(client, store_a):
    make_product(store_a, "Risky Rug", "10.00", description="<p>Soft</p><script>alert(1)</script><img src=x onerror=y>")
    page = _get(client, store_a, "/products/risky-rug/").content.decode()
    assert "<p>Soft</p>" in page and "alert(1)" not in page and "onerror" not in page


def test_sitemap_and_robots(client, shelf):
    sitemap = _get(client, shelf, "/sitemap.xml")
    assert sitemap["Content-Type"] == "application/xml"
    body = sitemap.content.decode()
    assert f"<loc>http://{host_of(shelf)}/products/cedar-bowl/</loc>" in body
    assert "draft-thing" not in body and f"<loc>http://{host_of(shelf)}/pages/about/</loc>" in body
    robots = _get(client, shelf, "/robots.txt").content.decode()
    assert "Disallow: /dashboard/" in robots and f"Sitemap: http://{host_of(shelf)}/sitemap.xml" in robots


def test_anonymous_pages_come_from_the_page_cache_until_the_store_changes(
    client, store_a, store_b, django_capture_on_commit_callbacks
):
    from storefront.themes.models import StoreProfile
    from storefront.themes.services import update_profile

    first = _get(client, store_a, "/products/")
    assert first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        again = _get(client, store_a, "/products/")
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    assert len(queries) == 0  # routing and page both come from the caches
    assert _get(client, store_b, "/products/")["X-Page-Cache"] == "miss"  # another store, another key

    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        update_profile(profile=StoreProfile.objects.get(), tagline="Now with stoves")
    changed = _get(client, store_a, "/products/")
    assert changed["X-Page-Cache"] == "miss" and "Now with stoves" in changed.content.decode()


def test_visitors_with_a_session_always_get_a_fresh_page(client, store_a, owner_a):
    from tests.conftest import sign_in_on

    _get(client, store_a, "/")
    sign_in_on(client, owner_a, store_a)
    assert "X-Page-Cache" not in _get(client, store_a, "/")


def test_a_price_change_reaches_cached_pages_at_once(client, store_a, django_capture_on_commit_callbacks):
    from storefront.catalog.services import update_variant

    assert "$10.00" in _get(client, store_a, "/products/").content.decode()
    assert _get(client, store_a, "/products/")["X-Page-Cache"] == "hit"
    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        from storefront.catalog.models import ProductVariant

        update_variant(variant=ProductVariant.objects.get(product__slug="alpha-trail-tent"), price=Decimal("12.00"))
    fresh = _get(client, store_a, "/products/")
    assert fresh["X-Page-Cache"] == "miss" and "$12.00" in fresh.content.decode()


def test_the_store_pages_show_its_reputation(client, store_a):
    from django.core.cache import cache

    from storefront.orders.services import fulfil_order  # noqa: F401 - orders exist in this schema
    from tests.storefront.reviews.support import make_order, make_products, post_review

    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    post_review(client, store_a, order, lamp, rating="5")
    post_review(client, store_a, order, mug, rating="4")
    with schema_context(store_a.schema_name):
        cache.delete("storefront:reputation")  # it may be kept for five minutes; the test wants it now
    page = _get(client, store_a, "/products/").content.decode()
    since = store_a.created_at.strftime("%B %Y")
    shown = page.split('id="reputation">')[1].split("</span>")[0]
    assert shown == f"Rated 4.5 out of 5 from 2 reviews · 1 order · selling on Mercato since {since}"
    other = _get(client, store_a.__class__.objects.get(slug="beta"), "/products/").content.decode()
    assert "Rated" not in other.split('id="reputation"')[1].split("</span>")[0]
