"""Translated products and collections in the store API: written with a seller token (a language the store doesn't
offer, or a description without a title, refused whole, nothing written), read per language with ``?lang=`` or
Accept-Language (falling back to the item's own text, no extra statement), and kept to their store."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from storefront.catalog.models import Collection, CollectionTranslation, Product, ProductTranslation
from storefront.catalog.services import TranslatedText, create_collection, save_product_translations
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile

from ..catalog.factories import make_shirt
from .test_isolation import _move_ids_past

MUG_ZH = {"title": "搪瓷杯", "description": "<p>露营用的杯子。</p>"}
SHIRT_ZH = TranslatedText(title="田野衬衫", description="<p>夏天穿。</p>")


def offer_chinese(store) -> None:
    with schema_context(store.schema_name):
        update_profile(profile=store_profile(), language="en", extra_languages=["zh-hans"])


def new_mug(**extra) -> dict:
    return {
        "title": "Enamel Mug",
        "description": "<p>For the trail.</p>",
        "seo_title": "Enamel camping mug",
        "variants": [{"sku": "MUG-1", "price": "9.00"}],
        **extra,
    }


def translations_of(store, model, **owner) -> dict[str, tuple[str, str]]:
    with schema_context(store.schema_name):
        rows = model.objects.filter(**owner).values_list("language", "title", "description")
        return {language: (title, description) for language, title, description in rows}


@pytest.fixture
def chinese_catalog(store_a) -> dict:
    """Store A in English with Chinese as an extra language: a shirt translated into it, a collection holding it
    (translated through the API in the tests), and a product without a translation."""
    return _build_catalog(store_a)


def _build_catalog(store_a) -> dict:
    offer_chinese(store_a)
    shirt = make_shirt(store_a, title="Field Shirt", sku_prefix="ZHS")
    plain = make_shirt(store_a, title="Plain Shirt", sku_prefix="ZHP")
    with schema_context(store_a.schema_name):
        save_product_translations(product=shirt, texts={"zh-hans": SHIRT_ZH})
        shirts = create_collection(title="Shirts", description="<p>All shirts.</p>", products=[shirt, plain])
    return {"shirt": shirt.pk, "plain": plain.pk, "collection": shirts.pk}


def test_a_seller_writes_and_reads_a_products_translations(store_a, api, token_a):
    offer_chinese(store_a)
    made = api("post", store_a, "/seller/products", token=token_a, json=new_mug(translations={"zh-hans": MUG_ZH}))
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["title"] == "Enamel Mug" and body["language"] == "en"
    assert body["translations"] == {"zh-hans": MUG_ZH}
    product_id = body["id"]
    assert translations_of(store_a, ProductTranslation, product_id=product_id) == {
        "zh-hans": ("搪瓷杯", "<p>露营用的杯子。</p>")
    }

    # A change of the product's own fields keeps its translations; naming a language changes only that one.
    kept = api("patch", store_a, f"/seller/products/{product_id}", token=token_a, json={"title": "Tin Mug"})
    assert kept.status_code == 200 and kept.json()["translations"] == {"zh-hans": MUG_ZH}
    changed = api(
        "patch", store_a, f"/seller/products/{product_id}", token=token_a,
        json={"translations": {"zh-hans": {"title": "铁皮杯"}}},
    )  # fmt: skip
    assert changed.status_code == 200, changed.content
    assert changed.json()["translations"] == {"zh-hans": {"title": "铁皮杯", "description": ""}}
    assert api("get", store_a, f"/seller/products/{product_id}", token=token_a).json()["translations"] == {
        "zh-hans": {"title": "铁皮杯", "description": ""}
    }
    listed = api("get", store_a, "/seller/products?q=Tin", token=token_a).json()["items"]
    assert [item["translations"] for item in listed] == [{"zh-hans": {"title": "铁皮杯", "description": ""}}]

    # null removes a language's translation.
    removed = api(
        "patch", store_a, f"/seller/products/{product_id}", token=token_a, json={"translations": {"zh-hans": None}}
    )
    assert removed.status_code == 200 and removed.json()["translations"] == {}
    assert translations_of(store_a, ProductTranslation, product_id=product_id) == {}


def test_public_reads_follow_lang_then_accept_language_and_fall_back(store_a, api, chinese_catalog):
    shirt, plain = chinese_catalog["shirt"], chinese_catalog["plain"]
    in_chinese = api("get", store_a, f"/products/{shirt}?lang=zh-hans")
    assert in_chinese.status_code == 200, in_chinese.content
    body = in_chinese.json()
    assert (body["title"], body["description"], body["language"]) == ("田野衬衫", "<p>夏天穿。</p>", "zh-hans")
    assert body["seo_title"] == body["seo_description"] == ""  # written in English only: the translation stands in
    # No translation into Chinese: the product's own text, and it says so.
    untranslated = api("get", store_a, f"/products/{plain}?lang=zh-hans").json()
    assert (untranslated["title"], untranslated["language"]) == ("Plain Shirt", "en")
    # Without ?lang=, the default language, whatever the cookie-less caller's header doesn't take.
    assert api("get", store_a, f"/products/{shirt}").json()["title"] == "Field Shirt"
    assert api("get", store_a, f"/products/{shirt}?lang=en").json()["language"] == "en"

    by_header = api.client.get(
        f"/api/products/{shirt}", HTTP_HOST="alpha.localhost", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8"
    )
    assert (by_header.json()["title"], by_header.json()["language"]) == ("田野衬衫", "zh-hans")
    assert "Accept-Language" in by_header["Vary"] and by_header["Content-Language"] == "zh-hans"
    french_first = api.client.get(f"/api/products/{shirt}", HTTP_HOST="alpha.localhost", HTTP_ACCEPT_LANGUAGE="fr,en")
    assert french_first.json()["title"] == "Field Shirt"
    # ?lang= outranks the header.
    named = api.client.get(f"/api/products/{shirt}?lang=en", HTTP_HOST="alpha.localhost", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert named.json()["title"] == "Field Shirt"
    # The store's pages still don't guess from the header: one address, one language, one cached copy.
    page = api.client.get(f"/products/{body['slug']}/", HTTP_HOST="alpha.localhost", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "<h1>Field Shirt</h1>" in page.content.decode() and "Accept-Language" not in page.get("Vary", "")

    titles = {item["title"] for item in api("get", store_a, "/products?q=Shirt&lang=zh-hans").json()["items"]}
    assert {"田野衬衫", "Plain Shirt"} <= titles
    found = api("get", store_a, "/search?q=田野&lang=zh-hans").json()["items"]
    assert [item["title"] for item in found] == ["田野衬衫"]
    collection = chinese_catalog["collection"]
    in_collection = api("get", store_a, f"/collections/{collection}/products?lang=zh-hans").json()["items"]
    assert [item["title"] for item in in_collection] == ["田野衬衫", "Plain Shirt"]


def test_a_language_the_store_does_not_offer_is_refused_on_reads(store_a, api, chinese_catalog):
    for path in (f"/products/{chinese_catalog['shirt']}", "/products", "/collections", "/search?q=shirt"):
        joiner = "&" if "?" in path else "?"
        response = api("get", store_a, f"{path}{joiner}lang=fr")
        assert response.status_code == 422, (path, response.content)
        assert response.json()["errors"]["lang"] == ["This store doesn't offer 'fr'; it offers en, zh-hans."]


def test_translated_reads_cost_no_statement_more(store_a, api, chinese_catalog):
    shirt, collection = chinese_catalog["shirt"], chinese_catalog["collection"]
    for path in ("/products", f"/products/{shirt}", "/collections", f"/collections/{collection}",
                 f"/collections/{collection}/products", "/search?q=shirt"):  # fmt: skip
        counts = []
        for suffix in ("", "lang=zh-hans"):
            address = f"{path}{'&' if '?' in path else '?'}{suffix}" if suffix else path
            api("get", store_a, address)  # warm the store lookup and its profile
            with CaptureQueriesContext(connection) as queries:
                assert api("get", store_a, address).status_code == 200
            counts.append(len([q for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]))
        assert counts[0] == counts[1], (path, counts)


def test_a_seller_writes_and_reads_a_collections_translations(store_a, api, token_a, chinese_catalog):
    collection = chinese_catalog["collection"]
    text = {"title": "衬衫", "description": "<p>所有衬衫。</p>"}
    changed = api(
        "patch", store_a, f"/seller/collections/{collection}", token=token_a, json={"translations": {"zh-hans": text}}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["translations"] == {"zh-hans": text} and changed.json()["title"] == "Shirts"
    assert api("get", store_a, f"/seller/collections/{collection}", token=token_a).json()["translations"] == {
        "zh-hans": text
    }
    listed = api("get", store_a, "/seller/collections", token=token_a).json()["items"]
    assert [(item["title"], item["translations"]) for item in listed] == [("Shirts", {"zh-hans": text})]

    public = api("get", store_a, f"/collections/{collection}?lang=zh-hans").json()
    assert (public["title"], public["description"], public["language"]) == ("衬衫", "<p>所有衬衫。</p>", "zh-hans")
    assert api("get", store_a, "/collections?lang=zh-hans").json()["items"][0]["title"] == "衬衫"
    assert api("get", store_a, f"/collections/{collection}").json()["title"] == "Shirts"

    made = api(
        "post", store_a, "/seller/collections", token=token_a,
        json={"title": "Mugs", "translations": {"zh-hans": {"title": "杯子"}}},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["translations"] == {"zh-hans": {"title": "杯子", "description": ""}}
    assert translations_of(store_a, CollectionTranslation, collection_id=made.json()["id"]) == {"zh-hans": ("杯子", "")}


@pytest.mark.parametrize(
    ("translations", "field", "message"),
    [
        (
            {"fr": {"title": "Tasse"}},
            "translations.fr.language",
            "This store doesn't offer 'fr' as an extra language (zh-hans).",
        ),
        (
            # The default language is the product's own fields, not a translation.
            {"en": {"title": "Mug"}},
            "translations.en.language",
            "This store doesn't offer 'en' as an extra language (zh-hans).",
        ),
        (
            {"zh-hans": {"description": "<p>只有描述。</p>"}},
            "translations.zh-hans.title",
            "Give the title in this language too, or leave both empty.",
        ),
    ],
)
def test_bad_translations_are_refused_whole(store_a, api, token_a, chinese_catalog, translations, field, message):
    with schema_context(store_a.schema_name):
        products_before = Product.objects.count()
    made = api("post", store_a, "/seller/products", token=token_a, json=new_mug(translations=translations))
    assert made.status_code == 422, made.content
    assert made.json()["errors"] == {field: [message]}
    with schema_context(store_a.schema_name):
        assert Product.objects.count() == products_before  # the product isn't made without its translations

    shirt = chinese_catalog["shirt"]
    payload = {"title": "Renamed", "translations": {**translations, "zh-hans": translations.get("zh-hans", MUG_ZH)}}
    changed = api("patch", store_a, f"/seller/products/{shirt}", token=token_a, json=payload)
    assert changed.status_code == 422 and field in changed.json()["errors"], changed.content
    with schema_context(store_a.schema_name):
        assert Product.objects.get(pk=shirt).title == "Field Shirt"
    assert translations_of(store_a, ProductTranslation, product_id=shirt) == {
        "zh-hans": (SHIRT_ZH.title, SHIRT_ZH.description)
    }

    collection = chinese_catalog["collection"]
    refused = api("patch", store_a, f"/seller/collections/{collection}", token=token_a, json=payload)
    assert refused.status_code == 422 and field in refused.json()["errors"], refused.content
    with schema_context(store_a.schema_name):
        assert Collection.objects.get(pk=collection).title == "Shirts"
    assert translations_of(store_a, CollectionTranslation, collection_id=collection) == {}
    with schema_context(store_a.schema_name):
        collections_before = Collection.objects.count()
    assert api("post", store_a, "/seller/collections", token=token_a, json=payload).status_code == 422
    with schema_context(store_a.schema_name):
        assert Collection.objects.count() == collections_before


def test_a_translation_that_does_not_fit_is_refused(store_a, api, token_a, chinese_catalog):
    shirt = chinese_catalog["shirt"]
    too_long, long_code, not_an_object = {"title": "长" * 201}, {"z" * 17: {"title": "x"}}, {"zh-hans": "衬衫"}
    misspelt = {"zh-hans": {"titel": "衬衫"}}  # would otherwise read as an empty text, removing the translation
    for translations in ({"zh-hans": too_long}, long_code, not_an_object, misspelt, [{"title": "衬衫"}]):
        response = api(
            "patch", store_a, f"/seller/products/{shirt}", token=token_a, json={"translations": translations}
        )
        assert response.status_code == 422, (translations, response.content)
    assert translations_of(store_a, ProductTranslation, product_id=shirt) == {
        "zh-hans": (SHIRT_ZH.title, SHIRT_ZH.description)
    }


def test_store_b_can_neither_read_nor_write_store_a_translations(store_a, store_b, api, token_b):
    _move_ids_past(store_a, store_b)  # A's ids are ones B never used: a 404 on B's host is no lucky miss
    catalog = _build_catalog(store_a)
    offer_chinese(store_b)  # B takes Chinese too, so nothing below is refused for the language
    shirt, collection = catalog["shirt"], catalog["collection"]
    taken = {"zh-hans": {"title": "被夺走"}}
    calls = [
        ("get", f"/seller/products/{shirt}", None),
        ("patch", f"/seller/products/{shirt}", {"translations": taken}),
        ("get", f"/seller/collections/{collection}", None),
        ("patch", f"/seller/collections/{collection}", {"translations": taken}),
        ("get", "/seller/collections", None),
    ]
    for method, path, body in calls:
        # B's token on A's host: refused before anything is read.
        assert api(method, store_a, path, token=token_b, json=body).status_code == 401, (method, path)
        if path != "/seller/collections":
            # A's ids on B's host, with B's token: not found there.
            response = api(method, store_b, path, token=token_b, json=body)
            assert response.status_code == 404, (method, path, response.content)
    for path in (f"/products/{shirt}?lang=zh-hans", f"/collections/{collection}?lang=zh-hans"):
        assert api("get", store_b, path).status_code == 404, path
    assert translations_of(store_a, ProductTranslation, product_id=shirt) == {
        "zh-hans": (SHIRT_ZH.title, SHIRT_ZH.description)
    }
    assert translations_of(store_a, CollectionTranslation, collection_id=collection) == {}
    assert translations_of(store_b, ProductTranslation) == translations_of(store_b, CollectionTranslation) == {}
    # B's reads in Chinese show none of A's text.
    assert api("get", store_b, "/search?q=田野&lang=zh-hans").json()["count"] == 0
    b_collections = api("get", store_b, "/seller/collections", token=token_b).json()["items"]
    assert collection not in [item["id"] for item in b_collections]
    assert "田野衬衫" not in api("get", store_b, "/products?lang=zh-hans&limit=100").content.decode()
