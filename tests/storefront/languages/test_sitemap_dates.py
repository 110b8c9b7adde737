"""A language's sitemap dates each page by its last change in that language: a translation edited alone moves the
translated address's lastmod, and only that one, so search engines come back for it."""

from datetime import UTC, datetime

from django.test import Client

from storefront.catalog.models import Collection, CollectionTranslation, Product, ProductTranslation
from storefront.catalog.services import (
    TranslatedText,
    create_collection,
    create_product,
    save_collection_translations,
    save_product_translations,
)
from storefront.themes.models import Page, PageTranslation
from storefront.themes.services import PageText, save_page, save_page_translations
from tests.conftest import host_of
from tests.storefront.checkout.support import in_store

from .test_translated_content import offer_chinese

WRITTEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TRANSLATED = datetime(2026, 3, 7, 12, 30, tzinfo=UTC)


def lastmod(sitemap: str, location: str) -> str:
    entry = sitemap.split(f"<loc>{location}</loc>", 1)[1]
    return entry.split("<lastmod>", 1)[1].split("</lastmod>", 1)[0]


def test_a_translation_edited_alone_dates_its_own_address(store_a):
    offer_chinese(store_a)
    with in_store(store_a):
        cup = create_product(title="Tea Cup", price="9.00", sku="CUP-1")
        ware = create_collection(title="Tea Ware", products=[cup])
        story = save_page(page=None, title="Our Story", body="<p>Clay.</p>", is_published=True)
        save_product_translations(product=cup, texts={"zh-hans": TranslatedText(title="茶杯")})
        save_collection_translations(collection=ware, texts={"zh-hans": TranslatedText(title="茶具")})
        save_page_translations(page=story, texts={"zh-hans": PageText(title="我们的故事")})
        # The dates set outright: the test compares them, never the clock.
        for model in (Product, Collection, Page):
            model.objects.update(updated_at=WRITTEN)
        for model in (ProductTranslation, CollectionTranslation, PageTranslation):
            model.objects.update(updated_at=TRANSLATED)
    host = f"http://{host_of(store_a)}"
    chinese = Client().get("/sitemap-zh-hans.xml", HTTP_HOST=host_of(store_a)).content.decode()
    english = Client().get("/sitemap-en.xml", HTTP_HOST=host_of(store_a)).content.decode()
    for path in (f"/products/{cup.slug}/", f"/collections/{ware.slug}/", "/pages/our-story/"):
        assert lastmod(chinese, f"{host}{path}?lang=zh-hans") == TRANSLATED.isoformat(), path
        assert lastmod(english, f"{host}{path}") == WRITTEN.isoformat(), path
