"""Directory search: relevance, typos, facets, highlighting and the JSON endpoint, on a fixed corpus."""

from django.conf import settings
from django_tenants.utils import schema_context

from platform.directory.selectors import SearchParams, search
from storefront.catalog.services import create_product
from tests.directory.conftest import drain

PLATFORM = {"HTTP_HOST": settings.BASE_DOMAIN}


def _titles(result) -> list[str]:
    return [hit.title for hit in result.hits]


def test_a_title_match_ranks_above_a_tag_match_above_a_description_match(store_a, store_b):
    with schema_context(store_a.schema_name):
        create_product(title="Plain Enamel Cup", price="8.00", description="<p>Pairs well with a quokkaberry jam.</p>")
        create_product(title="Quokkaberry Preserve Jar", price="9.00")
        create_product(title="Breakfast Tray", price="20.00", tags=["Quokkaberry"])
    drain(store_a)
    result = search(SearchParams(q="quokkaberry"))
    assert result.total == 3
    assert _titles(result) == ["Quokkaberry Preserve Jar", "Breakfast Tray", "Plain Enamel Cup"]
    assert result.hits[0].title_html == "<mark>Quokkaberry</mark> Preserve Jar"
    assert "<mark>quokkaberry</mark>" in result.hits[2].snippet_html


def test_a_misspelt_query_finds_the_right_product_and_says_what_it_searched(store_a):
    with schema_context(store_a.schema_name):
        create_product(title="Speckled Coffee Mug", price="14.00")
        create_product(title="Linen Tea Towel", price="9.00")
    drain(store_a)
    result = search(SearchParams(q="cofee mug"))
    assert result.corrected_query == "coffee mug"
    assert "Speckled Coffee Mug" in _titles(result)
    assert "Linen Tea Towel" not in _titles(result)


def test_a_title_that_only_resembles_the_query_is_found_by_trigrams(store_a):
    with schema_context(store_a.schema_name):
        create_product(title="Zanzibarite Pendant", price="40.00")
    drain(store_a)
    # Two typos in one word are too far for the word list; the title's trigrams still match.
    result = search(SearchParams(q="Zanzibarit Pendnt"))
    assert "Zanzibarite Pendant" in _titles(result)


def test_each_facet_counts_the_matching_listings(store_a, store_b):
    with schema_context(store_a.schema_name):
        create_product(title="Glimmerwick Candle Small", price="8.00", tags=["Candles"], stock=3, track_inventory=True)
        create_product(title="Glimmerwick Candle Large", price="30.00", tags=["Candles", "Gifts"])
        create_product(title="Glimmerwick Gift Box", price="120.00", tags=["Gifts"], track_inventory=True)
    with schema_context(store_b.schema_name):
        create_product(title="Glimmerwick Reading Lamp", price="45.00", tags=["Lighting"])
    drain(store_a)
    drain(store_b)

    result = search(SearchParams(q="glimmerwick"))
    assert result.total == 4
    facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
    assert facets["store"] == [("alpha", 3), ("beta", 1)]
    assert facets["tag"] == [("candles", 2), ("gifts", 2), ("lighting", 1)]
    assert facets["price"] == [("0-10", 1), ("25-50", 2), ("100-250", 1)]
    assert facets["in_stock"] == [("1", 3)]

    assert search(SearchParams(q="glimmerwick", store="beta")).total == 1
    assert _titles(search(SearchParams(q="glimmerwick", tag="gifts", sort="price"))) == [
        "Glimmerwick Candle Large",
        "Glimmerwick Gift Box",
    ]
    assert _titles(search(SearchParams(q="glimmerwick", price="25-50", sort="-price"))) == [
        "Glimmerwick Reading Lamp",
        "Glimmerwick Candle Large",
    ]
    in_stock = search(SearchParams(q="glimmerwick", in_stock=True))
    assert in_stock.total == 3 and "Glimmerwick Gift Box" not in _titles(in_stock)
    assert [v.selected for v in in_stock.facets["in_stock"]] == [True]


def test_pages_and_sorting_by_newest(store_a):
    with schema_context(store_a.schema_name):
        for number in range(25):
            create_product(title=f"Pagewick Print {number:02d}", price="5.00")
    drain(store_a)
    first = search(SearchParams(q="pagewick", sort="newest"))
    second = search(SearchParams(q="pagewick", sort="newest", page=2))
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (25, 2, 20, 5)
    assert _titles(first)[:2] == ["Pagewick Print 24", "Pagewick Print 23"]
    assert _titles(second)[-1] == "Pagewick Print 00"


def test_the_json_endpoint_links_each_result_to_its_store_host(client, store_a):
    with schema_context(store_a.schema_name):
        product = create_product(title="Hollowfern Planter", price="22.50", slug="hollowfern-planter")
    drain(store_a)
    response = client.get("/search.json", {"q": "hollowfern"}, **PLATFORM)
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["approximate"]) == (1, False)
    port = "" if settings.SITE_PORT in ("", "80", "443") else f":{settings.SITE_PORT}"
    assert body["results"] == [
        {
            "store_id": store_a.pk,
            "product_id": product.pk,
            "title": "Hollowfern Planter",
            "title_html": "<mark>Hollowfern</mark> Planter",
            "snippet_html": "",
            "price": "22.50",
            "currency": "USD",
            "image_url": "",
            "in_stock": True,
            "url": f"http://alpha.{settings.BASE_DOMAIN}{port}/products/hollowfern-planter/",
            "store": {
                "slug": "alpha",
                "name": "Alpha Outfitters",
                "url": f"http://alpha.{settings.BASE_DOMAIN}{port}/",
            },
            # Sold by this store alone: no other offers.
            "store_count": 1,
            "lowest_price": "22.50",
            "offers": [],
        }
    ]


def test_the_search_page_highlights_matches_and_escapes_titles(client, store_a):
    with schema_context(store_a.schema_name):
        create_product(title="Bramblewood <script>alert(1)</script> Stool", price="60.00")
    drain(store_a)
    response = client.get("/search", {"q": "bramblewood"}, **PLATFORM)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>Bramblewood</mark> &lt;script&gt;alert(1)&lt;/script&gt; Stool" in page
    assert "<script>alert(1)" not in page
    assert 'href="/search?q=bramblewood&amp;store=alpha"' in page


def test_the_search_page_is_only_on_the_platform_host(client, store_a):
    from tests.conftest import host_of

    assert client.get("/search.json", {"q": "x"}, HTTP_HOST=host_of(store_a)).status_code == 404


def test_a_very_broad_query_is_ranked_over_the_first_matches_and_counted_from_the_sample(
    client, store_a, store_b, monkeypatch
):
    from platform.directory import selectors

    with schema_context(store_a.schema_name):
        create_product(title="Plain Enamel Cup", price="8.00", description="<p>Pairs well with a quillfeather pen.</p>")
        create_product(title="Quillfeather Ink Pot", price="30.00", tags=["Stationery"])
        create_product(title="Desk Tray", price="12.00", tags=["Quillfeather"])
    with schema_context(store_b.schema_name):
        create_product(title="Quillfeather Notebook", price="5.00", tags=["Stationery"])
        create_product(title="Quillfeather Blotter", price="60.00", stock=0, track_inventory=True)
    drain(store_a)
    drain(store_b)
    exact = search(SearchParams(q="quillfeather"))
    assert (exact.total, exact.approximate) == (5, False)
    # Past EXACT_LIMIT matches the counts are estimates; here the "sample" is every listing, so they are exact.
    monkeypatch.setattr(selectors, "EXACT_LIMIT", 3)
    monkeypatch.setattr(selectors, "SAMPLE_SQL", "TRUE")
    monkeypatch.setattr(selectors, "SAMPLE_MOD", 1)
    broad = search(SearchParams(q="quillfeather"))
    assert broad.approximate
    assert broad.total == exact.total
    assert broad.facets == exact.facets
    # Relevance ranks the first EXACT_LIMIT + 1 matches only; among them title matches still come first.
    titled = [title.startswith("Quillfeather") for title in _titles(broad)]
    assert len(titled) == 4 and titled == sorted(titled, reverse=True) and titled[0]
    # A price order stays exact over all matches.
    assert _titles(search(SearchParams(q="quillfeather", sort="price"))) == [
        "Quillfeather Notebook",
        "Plain Enamel Cup",
        "Desk Tray",
        "Quillfeather Ink Pot",
        "Quillfeather Blotter",
    ]
    body = client.get("/search.json", {"q": "quillfeather"}, **PLATFORM).json()
    assert (body["approximate"], body["total"]) == (True, 5)
    page = client.get("/search", {"q": "quillfeather"}, **PLATFORM).content.decode()
    assert "About 5 products" in page


def test_a_broad_estimate_shows_two_significant_digits():
    from platform.directory.selectors import _about

    assert [_about(n) for n in (7, 99, 1234, 19_577, 116_683)] == [7, 99, 1200, 20_000, 120_000]
