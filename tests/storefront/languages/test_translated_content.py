"""Collections, pages and menu labels per language: shown in the buyer's language with the store's own text as
fallback, addressed per language, written in the dashboard (bad languages refused by name), kept to their store."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from storefront.catalog.models import Collection, CollectionTranslation
from storefront.catalog.services import (
    TranslatedText,
    create_collection,
    create_product,
    save_collection_translations,
)
from storefront.themes.models import NavigationLinkTranslation, Page, PageTranslation
from storefront.themes.selectors import store_profile
from storefront.themes.services import (
    PageText,
    replace_navigation,
    save_menu_translations,
    save_page,
    save_page_translations,
    update_profile,
)
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store

TEA_WARE_ZH = TranslatedText(title="茶具", description="<p>手工茶具。</p>")
STORY_ZH = PageText(title="我们的故事", body="<p>我们在山里做陶。</p>")


def offer_chinese(store, *, extra: list[str] | None = None) -> None:
    with in_store(store):
        update_profile(profile=store_profile(), language="en", extra_languages=["zh-hans"] if extra is None else extra)


@pytest.fixture
def content(store_a) -> dict:
    """Store A in English with Chinese as an extra language: a translated collection (featured on the home page)
    and an untranslated one, a translated page and an untranslated one, a menu with one label translated."""
    offer_chinese(store_a)
    with in_store(store_a):
        cup = create_product(title="Tea Cup", price="9.00", sku="CUP-1")
        tea_ware = create_collection(title="Tea Ware", description="<p>Cups and pots.</p>", products=[cup])
        create_collection(title="Bowls")
        save_collection_translations(collection=tea_ware, texts={"zh-hans": TEA_WARE_ZH})
        story = save_page(page=None, title="Our Story", body="<p>We fire clay.</p>", is_published=True)
        faq = save_page(page=None, title="Questions", body="<p>Ask away.</p>", is_published=True)
        save_page_translations(page=story, texts={"zh-hans": STORY_ZH})
        shop, _story_link, _faq_link = replace_navigation(
            links=[{"label": "Shop", "url": "/"}, {"label": "Our Story", "page": story}, {"label": "FAQ", "page": faq}]
        )
        save_menu_translations(labels={shop.pk: {"zh-hans": "商店"}})
        update_profile(profile=store_profile(), featured_collection=tea_ware)
    return {"collection": tea_ware, "page": story, "link": shop}


@pytest.fixture
def owner_b(store_b):
    user = make_user("owner@beta.test")
    add_member(store_b, user, "owner")
    return user


def page(client: Client, store, path: str) -> str:
    response = client.get(path, HTTP_HOST=host_of(store))
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def menu(html: str) -> list[str]:
    found = re.search(r'<nav class="store-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert found is not None
    return re.findall(r">([^<]+)</a>", found.group(1))


def test_buyers_read_collections_pages_and_the_menu_in_their_language_or_the_stores_own(client, store_a, content):
    english = page(client, store_a, "/collections/tea-ware/")
    assert "Tea Ware" in english and "茶具" not in english and menu(english) == ["Shop", "Our Story", "FAQ"]
    chinese = page(client, store_a, "/collections/tea-ware/?lang=zh-hans")
    assert "<h1>茶具</h1>" in chinese and "Tea Ware" not in chinese
    # The untranslated collection and menu labels keep the store's own text.
    assert "Bowls" in chinese and menu(chinese) == ["商店", "Our Story", "FAQ"]
    assert '<meta name="description" content="茶具">' in chinese
    story = page(client, store_a, "/pages/our-story/?lang=zh-hans")
    assert "<h1>我们的故事</h1>" in story and "我们在山里做陶。" in story and "We fire clay." not in story
    assert "<h1>Our Story</h1>" in page(client, store_a, "/pages/our-story/")
    faq = page(client, store_a, "/pages/questions/?lang=zh-hans")
    assert "<h1>Questions</h1>" in faq and "Ask away." in faq
    # The buyer's own choice (the cookie) does the same, on the home page's featured collection too.
    client.cookies["mercato_language"] = "zh-hans"
    home = page(client, store_a, "/")
    assert '<h2 class="section-title">茶具</h2>' in home and menu(home) == ["商店", "Our Story", "FAQ"]


def test_translated_collections_and_pages_are_addressed_per_language(client, store_a, content):
    host = f"http://{host_of(store_a)}"
    chinese = page(client, store_a, "/collections/tea-ware/?lang=zh-hans")
    assert f'<link rel="canonical" href="{host}/collections/tea-ware/?lang=zh-hans">' in chinese
    assert f'<link rel="alternate" hreflang="en" href="{host}/collections/tea-ware/">' in chinese
    story = page(client, store_a, "/pages/our-story/")
    assert f'<link rel="alternate" hreflang="zh-hans" href="{host}/pages/our-story/?lang=zh-hans">' in story
    sitemap = page(client, store_a, "/sitemap-zh-hans.xml")
    assert f"<loc>{host}/collections/tea-ware/?lang=zh-hans</loc>" in sitemap
    assert f"<loc>{host}/pages/our-story/?lang=zh-hans</loc>" in sitemap
    assert f'<xhtml:link rel="alternate" hreflang="en" href="{host}/collections/tea-ware/"/>' in sitemap


def test_translated_collections_and_pages_send_no_more_statements_than_the_default(client, store_a, content, settings):
    settings.STOREFRONT_PAGE_CACHE = False
    for path in ("/collections/tea-ware/", "/pages/our-story/", "/"):
        counts = []
        for suffix in ("", "?lang=zh-hans"):
            page(client, store_a, path + suffix)  # warm the per-store caches, as any earlier visitor would
            with CaptureQueriesContext(connection) as queries:
                page(client, store_a, path + suffix)
            counts.append(len(queries))
        assert counts[1] <= counts[0], (path, counts)


def test_the_services_refuse_a_language_the_store_does_not_offer_and_write_nothing(store_a, content):
    with in_store(store_a):
        tea_ware, story, shop = (Collection.objects.get(slug="tea-ware"), content["page"], content["link"])
        with pytest.raises(ValidationError) as refused:
            save_collection_translations(
                collection=tea_ware,
                texts={"zh-hans": TranslatedText(title="新茶具"), "fr": TranslatedText(title="Thé")},
            )
        assert list(refused.value.message_dict) == ["fr.language"]
        with pytest.raises(ValidationError) as untitled:
            save_page_translations(page=story, texts={"zh-hans": PageText(body="<p>只有正文</p>")})
        assert list(untitled.value.message_dict) == ["zh-hans.title"]
        with pytest.raises(ValidationError) as refused_label:
            save_menu_translations(labels={shop.pk: {"en": "Store", "zh-hans": "店"}})
        assert list(refused_label.value.message_dict) == [f"{shop.pk}.en.language"]
        assert list(CollectionTranslation.objects.values_list("title", flat=True)) == ["茶具"]
        assert list(PageTranslation.objects.values_list("title", flat=True)) == ["我们的故事"]
        assert list(NavigationLinkTranslation.objects.values_list("label", flat=True)) == ["商店"]
        # Bodies are sanitised like the page's own; empty texts remove a translation.
        save_page_translations(
            page=story, texts={"zh-hans": PageText(title="故事", body="<p onclick='x()'>好</p><script>1</script>")}
        )
        assert PageTranslation.objects.get().body == "<p>好</p>"
        save_collection_translations(collection=tea_ware, texts={"zh-hans": TranslatedText()})
        save_menu_translations(labels={shop.pk: {"zh-hans": ""}})
        assert not CollectionTranslation.objects.exists() and not NavigationLinkTranslation.objects.exists()


def test_saving_the_menu_keeps_the_translations_of_labels_it_keeps(store_a, content):
    with in_store(store_a):
        replace_navigation(links=[{"label": "Shop", "url": "/products/"}, {"label": "About", "url": "/pages/about/"}])
        assert [(row.link.label, row.label) for row in NavigationLinkTranslation.objects.all()] == [("Shop", "商店")]
        replace_navigation(links=[{"label": "Store", "url": "/"}])
        assert not NavigationLinkTranslation.objects.exists()


def test_the_seller_translates_in_the_dashboard_and_a_bad_language_is_refused_by_name(
    client, store_a, owner_a, content
):
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    collection_path = f"/dashboard/collections/{content['collection'].pk}/translations/"
    assert f'href="{collection_path}"' in page(client, store_a, "/dashboard/collections/")
    form = page(client, store_a, collection_path)
    assert 'name="zh-hans-title"' in form and 'value="茶具"' in form
    saved = client.post(collection_path, {"zh-hans-title": "青瓷茶具", "zh-hans-description": ""}, HTTP_HOST=host)
    assert saved.status_code == 302
    bad = client.post(collection_path, {"zh-hans-title": "茶", "fr-title": "Thé"}, HTTP_HOST=host)
    assert bad.status_code == 400 and "This store doesn&#x27;t offer &#x27;fr&#x27;" in bad.content.decode()
    untitled = client.post(collection_path, {"zh-hans-title": "", "zh-hans-description": "<p>x</p>"}, HTTP_HOST=host)
    assert untitled.status_code == 400 and "Give the title in this language too" in untitled.content.decode()

    page_path = "/dashboard/pages/our-story/translations/"
    assert 'value="我们的故事"' in page(client, store_a, page_path)
    assert (
        client.post(page_path, {"zh-hans-title": "故事", "zh-hans-body": "<p>新</p>"}, HTTP_HOST=host).status_code
        == 302
    )
    bad = client.post(page_path, {"xx-title": "?"}, HTTP_HOST=host)
    assert bad.status_code == 400 and "&#x27;xx&#x27;" in bad.content.decode()

    link = content["link"]
    menu_path = "/dashboard/navigation/translations/"
    assert f'name="{link.pk}-zh-hans-label"' in page(client, store_a, menu_path)
    assert client.post(menu_path, {f"{link.pk}-zh-hans-label": "购物"}, HTTP_HOST=host).status_code == 302
    bad = client.post(menu_path, {f"{link.pk}-de-label": "Laden"}, HTTP_HOST=host)
    assert bad.status_code == 400 and "&#x27;de&#x27;" in bad.content.decode()
    too_long = client.post(menu_path, {f"{link.pk}-zh-hans-label": "长" * 41}, HTTP_HOST=host)
    assert too_long.status_code == 400
    with in_store(store_a):
        assert CollectionTranslation.objects.get().title == "青瓷茶具"
        assert PageTranslation.objects.get().title == "故事"
        assert NavigationLinkTranslation.objects.get().label == "购物"
    assert menu(page(Client(), store_a, "/?lang=zh-hans"))[0] == "购物"


def test_another_store_can_neither_see_nor_edit_a_stores_translations(
    client, store_a, store_b, owner_a, owner_b, content
):
    offer_chinese(store_b)
    other = Client()
    sign_in_on(other, owner_b, store_b)
    b_host = host_of(store_b)
    link = content["link"]
    collection_path = f"/dashboard/collections/{content['collection'].pk}/translations/"
    # On store B's host, store A's collection id is nobody; store A's menu entry is no entry of store B's menu.
    assert other.get(collection_path, HTTP_HOST=b_host).status_code == 404
    assert other.post(collection_path, {"zh-hans-title": "偷"}, HTTP_HOST=b_host).status_code == 404
    assert (
        other.post("/dashboard/pages/our-story/translations/", {"zh-hans-title": "偷"}, HTTP_HOST=b_host).status_code
        == 404
    )
    with in_store(store_b):
        replace_navigation(links=[])  # store B has no menu entry at all, so A's entry id can name none of B's
    refused = other.post("/dashboard/navigation/translations/", {f"{link.pk}-zh-hans-label": "偷"}, HTTP_HOST=b_host)
    assert refused.status_code == 400 and "no such entry" in refused.content.decode()
    # On store A's host, store B's owner has no access at all.
    for path in (collection_path, "/dashboard/pages/our-story/translations/", "/dashboard/navigation/translations/"):
        assert other.get(path, HTTP_HOST=host_of(store_a)).status_code in (302, 403)
    with in_store(store_a):
        assert CollectionTranslation.objects.get().title == "茶具"
        assert PageTranslation.objects.get().title == "我们的故事"
        assert NavigationLinkTranslation.objects.get().label == "商店"
    with in_store(store_b):
        assert not CollectionTranslation.objects.exists() and not PageTranslation.objects.exists()
        assert not NavigationLinkTranslation.objects.exists() and not Page.objects.filter(slug="our-story").exists()
    # Store B's buyers never see store A's texts.
    home = page(Client(), store_b, "/?lang=zh-hans")
    assert "茶具" not in home and "商店" not in home
