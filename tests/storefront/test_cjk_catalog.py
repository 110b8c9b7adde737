"""A store selling in Chinese: its search, tags in any script, pinyin addresses and SKUs, and nothing of it elsewhere."""

import re

import pytest
from django_tenants.utils import schema_context

from storefront.catalog.models import Collection, Product, ProductVariant, Tag
from storefront.catalog.services import VariantSpec, create_collection, create_product, update_product
from tests.conftest import host_of
from tests.storefront.catalog.factories import make_product

TEACUP = "手工陶瓷茶杯"
BOWL = "青花瓷碗"


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/products/[\w-]+/">([^<]+)</a></h3>', html)


def _search(client, store, q: str, **params) -> list[str]:
    response = client.get("/search/", {"q": q, **params}, HTTP_HOST=host_of(store))
    assert response.status_code == 200
    return _titles(response.content.decode())


@pytest.fixture
def porcelain(store_a):
    """Store A with two Chinese products and the session store's Latin one (Alpha Trail Tent)."""
    make_product(store_a, TEACUP, "88.00", description="<p>景德镇手工拉坯\uff0c适合泡绿茶。</p>", tags=["茶具"])
    make_product(store_a, BOWL, "120.00", description="<p>釉下彩。</p>")
    return store_a


def test_the_store_search_finds_a_chinese_product_by_any_run_of_its_characters(client, porcelain):
    for query in ("茶杯", "陶瓷", "茶", TEACUP, "陶瓷 茶杯", "茶具", "景德镇"):
        assert _search(client, porcelain, query) == [TEACUP], query
    assert _search(client, porcelain, "碗") == [BOWL]
    assert sorted(_search(client, porcelain, "瓷")) == sorted([TEACUP, BOWL])
    for query in ("电脑", "茶碗", "陶瓷 电脑"):
        assert _search(client, porcelain, query) == [], query
    # Mixed with Latin words: every word must be found.
    make_product(porcelain, "Ceramic 茶杯 Set", "70.00")
    assert _search(client, porcelain, "ceramic 茶杯") == ["Ceramic 茶杯 Set"]
    assert _search(client, porcelain, "tent") == ["Alpha Trail Tent"]


def test_the_store_search_ranks_title_before_tag_before_description_and_whole_words_first(client, store_a):
    make_product(store_a, "竹制托盘", "30.00", description="<p>可以放一把紫砂壶。</p>")
    make_product(store_a, "木质茶盘", "60.00", tags=["紫砂壶"])
    make_product(store_a, "宜兴紫砂壶套装", "300.00")
    make_product(store_a, "紫砂壶 单只", "200.00")
    assert _search(client, store_a, "紫砂壶") == ["紫砂壶 单只", "宜兴紫砂壶套装", "木质茶盘", "竹制托盘"]
    # The buyer may still choose another order; "Best match" is offered on searches only.
    assert _search(client, store_a, "紫砂壶", sort="price") == ["竹制托盘", "木质茶盘", "紫砂壶 单只", "宜兴紫砂壶套装"]
    listing = client.get("/products/", HTTP_HOST=host_of(store_a)).content.decode()
    assert (
        "Best match" not in listing
        and "Best match" in client.get("/search/", {"q": "紫砂壶"}, HTTP_HOST=host_of(store_a)).content.decode()
    )


def test_another_stores_search_never_lists_the_chinese_product(client, porcelain, store_b):
    assert _search(client, store_b, "茶杯") == []
    assert _search(client, store_b, "茶") == []
    assert client.get("/products/shou-gong-tao-ci-cha-bei/", HTTP_HOST=host_of(store_b)).status_code == 404


def test_a_chinese_title_gets_a_pinyin_address_that_resolves_and_a_sku_of_its_initials(client, store_a):
    first = make_product(store_a, TEACUP, "88.00")
    second = make_product(store_a, TEACUP, "99.00")
    bank = make_product(store_a, "银行 iPhone手机壳", "20.00")
    latin = make_product(store_a, "Birch Board", "45.00")
    with schema_context(store_a.schema_name):
        skus = {p.pk: list(ProductVariant.objects.filter(product=p).values_list("sku", flat=True)) for p in
                (first, second, bank, latin)}  # fmt: skip
    assert (first.slug, second.slug) == ("shou-gong-tao-ci-cha-bei", "shou-gong-tao-ci-cha-bei-2")
    # A character read two ways gets the reading of its word (行 in 银行 is hang).
    assert bank.slug == "yin-hang-iphone-shou-ji-ke"
    assert latin.slug == "birch-board"  # Latin titles as before
    assert skus[first.pk] == ["SGTCCB"]
    assert re.fullmatch(r"SGTCCB-[0-9A-F]{6}", skus[second.pk][0])  # unique in the store, as for every SKU
    assert skus[bank.pk] == ["YH-IPHONE-SJK"]
    assert skus[latin.pk] == ["BIRCH-BOARD"]

    page = client.get("/products/shou-gong-tao-ci-cha-bei/", HTTP_HOST=host_of(store_a))
    assert page.status_code == 200 and TEACUP in page.content.decode()
    assert client.get("/products/shou-gong-tao-ci-cha-bei-2/", HTTP_HOST=host_of(store_a)).status_code == 200
    listing = client.get("/search/", {"q": "茶杯"}, HTTP_HOST=host_of(store_a)).content.decode()
    assert 'href="/products/shou-gong-tao-ci-cha-bei/"' in listing


def test_variants_of_a_chinese_product_get_skus_from_their_option_values(store_a):
    from storefront.catalog.services import OptionSpec

    with schema_context(store_a.schema_name):
        product = create_product(
            title="茶杯",
            options=[OptionSpec("颜色")],
            variants=[VariantSpec(sku=None, price="10.00", options=["红色"]),
                      VariantSpec(sku=None, price="10.00", options=["蓝色"])],
        )  # fmt: skip
        assert sorted(product.variants.values_list("sku", flat=True)) == ["CB-HS", "CB-LS"]


def test_a_chinese_collection_gets_a_pinyin_address_that_resolves(client, store_a):
    with schema_context(store_a.schema_name):
        collection = create_collection(title="茶具精选")
        assert Collection.objects.get(pk=collection.pk).slug == "cha-ju-jing-xuan"
    response = client.get("/collections/cha-ju-jing-xuan/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 200 and "茶具精选" in response.content.decode()


def test_tags_in_any_script_are_kept_and_filter_the_listing(client, store_a):
    product = make_product(store_a, TEACUP, "88.00", tags=["茶杯", "Café", "чай", "Tea 茶"])
    make_product(store_a, BOWL, "120.00", tags=["碗"])
    with schema_context(store_a.schema_name):
        assert sorted(Tag.objects.filter(products=product).values_list("name", "slug")) == sorted(
            [("茶杯", "茶杯"), ("Café", "cafe"), ("чай", "чай"), ("Tea 茶", "tea-茶")]
        )
        # Homophones stay two tags (茶杯 and 茶被 are both cha bei in pinyin).
        update_product(product=Product.objects.get(pk=product.pk), tags=["茶杯", "茶被"])
        assert sorted(Tag.objects.filter(products=product).values_list("slug", flat=True)) == ["茶杯", "茶被"]
    listing = client.get("/products/", {"tag": "茶杯"}, HTTP_HOST=host_of(store_a)).content.decode()
    assert _titles(listing) == [TEACUP]
