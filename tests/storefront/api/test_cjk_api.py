"""Chinese products through the store API (and the product form): search, tags in any script, refused tags."""

import pytest
from django_tenants.utils import schema_context

from storefront.catalog.models import Product
from tests.conftest import host_of, sign_in_on

from ..catalog.factories import make_product

TEACUP = "手工陶瓷茶杯"
BOWL = "青花瓷碗"


def test_the_search_api_finds_chinese_products_and_ranks_on_request(store_a, api):
    make_product(store_a, "三层茶盘", "60.00", tags=["紫砂壶"])
    make_product(store_a, "宜兴紫砂壶", "300.00")

    def found(q: str, **params) -> list[str]:
        query = "&".join(f"{key}={value}" for key, value in {"q": q, **params}.items())
        return [item["title"] for item in api("get", store_a, f"/search?{query}").json()["items"]]

    assert found("紫砂壶") == ["三层茶盘", "宜兴紫砂壶"]  # the API's documented order: by title
    assert found("紫砂壶", sort="relevance") == ["宜兴紫砂壶", "三层茶盘"]  # the title before a tag
    assert found("茶盘") == ["三层茶盘"]
    assert found("电脑") == []


def test_another_stores_api_search_never_lists_the_chinese_product(store_a, store_b, api):
    make_product(store_a, TEACUP, "88.00")
    assert [item["title"] for item in api("get", store_a, "/search?q=茶杯").json()["items"]] == [TEACUP]
    assert api("get", store_b, "/search?q=茶杯").json()["count"] == 0
    assert api("get", store_b, "/products?q=茶").json()["count"] == 0


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("!!!", "The tag '!!!' needs at least one letter or digit."),
        ("\uff0c。", "The tag '\uff0c。' needs at least one letter or digit."),
        ("茶\x07杯", "The tag '茶\\x07杯' holds a control character (U+0007)."),
        ("茶\u202e杯", "The tag '茶\\u202e杯' holds a control character (U+202E)."),
    ],
)
def test_a_tag_without_letters_or_with_control_characters_is_refused_by_the_api(store_a, api, token_a, tag, message):
    with schema_context(store_a.schema_name):
        before = Product.objects.count()
    response = api("post", store_a, "/seller/products", token=token_a,
                   json={"title": "茶杯", "variants": [{"sku": "CB-1", "price": "10.00"}], "tags": [tag]})  # fmt: skip
    assert response.status_code in (400, 422), response.content
    assert response.json()["errors"]["tags"] == [message]
    with schema_context(store_a.schema_name):
        assert Product.objects.count() == before


def test_a_chinese_tag_is_saved_through_the_api_and_the_product_form(client, store_a, api, token_a, owner_a):
    response = api("post", store_a, "/seller/products", token=token_a,
                   json={"title": TEACUP, "variants": [{"sku": "CB-1", "price": "88.00"}], "tags": ["茶杯", "陶瓷"]})  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "shou-gong-tao-ci-cha-bei"

    sign_in_on(client, owner_a, store_a)
    form = {"title": BOWL, "description": "", "status": "active", "seo_title": "", "seo_description": "",
            "tags": "碗, 青花瓷", "price": "120.00", "sku": "", "stock": "0"}  # fmt: skip
    response = client.post("/dashboard/products/new/", form, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(store_a.schema_name):
        teacup = Product.objects.get(title=TEACUP)
        bowl = Product.objects.get(title=BOWL)
        assert sorted(teacup.tags.values_list("name", flat=True)) == ["茶杯", "陶瓷"]
        assert sorted(bowl.tags.values_list("name", flat=True)) == ["碗", "青花瓷"]
        assert (bowl.slug, bowl.variants.get().sku) == ("qing-hua-ci-wan", "QHCW")


def test_a_punctuation_only_tag_is_refused_on_the_product_form_and_nothing_is_written(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        before = Product.objects.count()
    form = {"title": BOWL, "description": "", "status": "active", "seo_title": "", "seo_description": "",
            "tags": "碗, \uff01\uff1f", "price": "120.00", "sku": "", "stock": "0"}  # fmt: skip
    response = client.post("/dashboard/products/new/", form, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "The tag &#x27;\uff01\uff1f&#x27; needs at least one letter or digit." in response.content.decode()
    with schema_context(store_a.schema_name):
        assert Product.objects.count() == before
