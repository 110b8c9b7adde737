"""A product's title and description per language: shown in the buyer's language with the default as fallback,
addressed per language (hreflang, per-language sitemaps), written in the dashboard, and kept to its own store."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from storefront.catalog.models import Product, ProductTranslation
from storefront.catalog.services import TranslatedText, create_product, save_product_translations
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store

CUP = {"title": "Tea Cup", "description": "<p>Fired by hand.</p>"}
CUP_ZH = TranslatedText(title="茶杯", description="<p>手工烧制。</p>")


def offer_chinese(store, *, extra: list[str] | None = None) -> None:
    with in_store(store):
        update_profile(profile=store_profile(), language="en", extra_languages=["zh-hans"] if extra is None else extra)


@pytest.fixture
def cup(store_a) -> Product:
    """Store A in English with Chinese as an extra language; a tea cup translated, a bowl not."""
    offer_chinese(store_a)
    with in_store(store_a):
        cup = create_product(price="9.00", sku="CUP-1", **CUP)
        create_product(title="Rice Bowl", price="7.00", sku="BOWL-1")
        save_product_translations(product=cup, texts={"zh-hans": CUP_ZH})
    return cup


@pytest.fixture
def owner_b(store_b):
    user = make_user("owner@beta.test")
    add_member(store_b, user, "owner")
    return user


def page(client: Client, store, path: str, **headers: str) -> str:
    response = client.get(path, HTTP_HOST=host_of(store), **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_buyers_read_the_product_in_their_language_and_the_default_where_it_is_not_translated(client, store_a, cup):
    english = page(client, store_a, "/products/tea-cup/")
    assert "Tea Cup" in english and "Fired by hand." in english and "茶杯" not in english
    chinese = page(client, store_a, "/products/tea-cup/?lang=zh-hans")
    assert '<html lang="zh-hans">' in chinese
    assert "<h1>茶杯</h1>" in chinese and "手工烧制。" in chinese and "Fired by hand." not in chinese
    assert '"name": "茶杯"' in chinese  # the structured data too
    # The buyer's own choice (the cookie) does the same; the bowl has no translation, so it keeps its own title.
    client.cookies["mercato_language"] = "zh-hans"
    listing = page(client, store_a, "/products/")
    assert "茶杯" in listing and "Rice Bowl" in listing and "Tea Cup" not in listing
    bowl = page(client, store_a, "/products/rice-bowl/")
    assert "Rice Bowl" in bowl and '<html lang="zh-hans">' in bowl
    # The in-store search finds a product by its translated title.
    assert "茶杯" in page(client, store_a, "/search/?q=茶杯")


def test_store_pages_name_their_other_languages_for_search_engines(client, store_a, cup):
    host = f"http://{host_of(store_a)}"
    english = page(client, store_a, "/products/tea-cup/")
    assert f'<link rel="canonical" href="{host}/products/tea-cup/">' in english
    assert f'<link rel="alternate" hreflang="en" href="{host}/products/tea-cup/">' in english
    assert f'<link rel="alternate" hreflang="zh-hans" href="{host}/products/tea-cup/?lang=zh-hans">' in english
    assert f'<link rel="alternate" hreflang="x-default" href="{host}/products/tea-cup/">' in english
    chinese = page(client, store_a, "/products/tea-cup/?lang=zh-hans")
    assert f'<link rel="canonical" href="{host}/products/tea-cup/?lang=zh-hans">' in chinese
    assert f'<link rel="alternate" hreflang="en" href="{host}/products/tea-cup/">' in chinese
    # A store in one language names no alternates.
    offer_chinese(store_a, extra=[])
    assert 'hreflang="' not in page(client, store_a, "/products/tea-cup/")


def test_a_store_in_several_languages_has_a_sitemap_per_language_behind_an_index(client, store_a, cup):
    host = f"http://{host_of(store_a)}"
    index = page(client, store_a, "/sitemap.xml")
    assert "<sitemapindex" in index
    assert re.findall(r"<loc>([^<]+)</loc>", index) == [f"{host}/sitemap-en.xml", f"{host}/sitemap-zh-hans.xml"]
    chinese = page(client, store_a, "/sitemap-zh-hans.xml")
    assert f"<loc>{host}/products/tea-cup/?lang=zh-hans</loc>" in chinese
    assert f'<xhtml:link rel="alternate" hreflang="en" href="{host}/products/tea-cup/"/>' in chinese
    assert f"<loc>{host}/?lang=zh-hans</loc>" in chinese and f"<loc>{host}/products/tea-cup/</loc>" not in chinese
    english = page(client, store_a, "/sitemap-en.xml")
    assert (
        f"<loc>{host}/products/tea-cup/</loc>" in english and "<loc>" + host + "/products/rice-bowl/</loc>" in english
    )
    assert client.get("/sitemap-fr.xml", HTTP_HOST=host_of(store_a)).status_code == 404
    # Back to one language: the plain sitemap, and no per-language one for a language it doesn't offer.
    offer_chinese(store_a, extra=[])
    plain = page(client, store_a, "/sitemap.xml")
    assert "<urlset" in plain and f"<loc>{host}/products/tea-cup/</loc>" in plain and "xhtml:link" not in plain
    assert client.get("/sitemap-zh-hans.xml", HTTP_HOST=host_of(store_a)).status_code == 404


def test_picking_a_language_on_a_page_addressed_in_another_goes_to_the_picked_one(client, store_a, cup):
    response = client.post(
        "/language/",
        {"language": "en", "next": "/products/tea-cup/?lang=zh-hans&variant=3"},
        HTTP_HOST=host_of(store_a),
    )
    assert response.status_code == 302 and response["Location"] == "/products/tea-cup/?variant=3"
    assert "Tea Cup" in page(client, store_a, response["Location"])


def test_the_service_refuses_a_language_the_store_does_not_offer_and_writes_nothing(store_a, cup):
    with in_store(store_a):
        with pytest.raises(ValidationError) as refused:
            save_product_translations(
                product=cup, texts={"zh-hans": TranslatedText(title="新茶杯"), "en": TranslatedText(title="Cup")}
            )
        assert list(refused.value.message_dict) == ["en.language"]
        with pytest.raises(ValidationError) as untitled:
            save_product_translations(product=cup, texts={"zh-hans": TranslatedText(description="<p>只有描述</p>")})
        assert list(untitled.value.message_dict) == ["zh-hans.title"]
        assert list(ProductTranslation.objects.values_list("title", flat=True)) == ["茶杯"]
        # Empty title and description remove the translation; the default shows again.
        save_product_translations(product=cup, texts={"zh-hans": TranslatedText()})
        assert not ProductTranslation.objects.exists()


def test_a_translated_description_is_sanitised_like_the_products_own(store_a, cup):
    with in_store(store_a):
        text = TranslatedText(title="茶杯", description='<p onclick="x()">好</p><script>alert(1)</script>')
        save_product_translations(product=cup, texts={"zh-hans": text})
        saved = ProductTranslation.objects.get().description
    assert "script" not in saved and "onclick" not in saved and "好" in saved


def test_the_seller_translates_in_the_dashboard_and_another_store_cannot_reach_it(
    client, store_a, store_b, owner_a, owner_b, cup
):
    sign_in_on(client, owner_a, store_a)
    path = f"/dashboard/products/{cup.pk}/translations/"
    form = page(client, store_a, path)
    assert 'name="zh-hans-title"' in form and 'value="茶杯"' in form
    saved = client.post(
        path, {"zh-hans-title": "青瓷茶杯", "zh-hans-description": "<p>新</p>"}, HTTP_HOST=host_of(store_a)
    )
    assert saved.status_code == 302
    refused = client.post(path, {"zh-hans-title": "", "zh-hans-description": "<p>新</p>"}, HTTP_HOST=host_of(store_a))
    assert refused.status_code == 400 and "Give the title in this language too" in refused.content.decode()
    with in_store(store_a):
        assert ProductTranslation.objects.get().title == "青瓷茶杯"
    # Store B's owner, on store B's host: store A's product id is nobody there; on store A's host, no access.
    other = Client()
    sign_in_on(other, owner_b, store_b)
    assert other.get(path, HTTP_HOST=host_of(store_b)).status_code == 404
    assert other.post(path, {"zh-hans-title": "偷"}, HTTP_HOST=host_of(store_b)).status_code == 404
    assert other.get(path, HTTP_HOST=host_of(store_a)).status_code in (302, 403)
    with in_store(store_a):
        assert ProductTranslation.objects.get().title == "青瓷茶杯"
    with in_store(store_b):
        assert not ProductTranslation.objects.exists()
    # Store B's buyers never see store A's translation.
    assert "青瓷茶杯" not in page(Client(), store_b, "/products/?lang=zh-hans")


def test_translated_pages_send_no_more_statements(client, store_a, cup, settings):
    settings.STOREFRONT_PAGE_CACHE = False
    client.cookies["mercato_language"] = "zh-hans"
    for path, most in (("/products/tea-cup/", 1), ("/products/", 2), ("/", 2), ("/search/?q=茶", 2)):
        page(client, store_a, path)  # warm the per-store caches, as any earlier visitor would
        with CaptureQueriesContext(connection) as queries:
            assert "茶杯" in page(client, store_a, path)
        assert len(queries) <= most, (path, [query["sql"] for query in queries])
