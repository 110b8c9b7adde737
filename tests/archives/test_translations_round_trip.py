"""A store archive carries its translations (products, collections, pages, menu): the copy shows them alike."""

from django.test import Client
from django_tenants.utils import schema_context

from storefront.catalog.models import Product, ProductTranslation
from storefront.catalog.services import (
    TranslatedText,
    create_collection,
    save_collection_translations,
    save_product_translations,
)
from storefront.themes.selectors import store_profile
from storefront.themes.services import (
    PageText,
    replace_navigation,
    save_menu_translations,
    save_page,
    save_page_translations,
    update_profile,
)
from tenants.archives import services as archives
from tenants.models import Membership, Store, StoreArchive
from tests.archives.support import rows_by_model
from tests.conftest import host_of


def test_an_archived_store_keeps_its_translations(seeded_store, archive_root, media_cleanup):
    with schema_context(seeded_store.schema_name):
        update_profile(profile=store_profile(), language="en", extra_languages=["zh-hans"])
        mug = Product.objects.get(title="Enamel Mug")
        text = TranslatedText(title="搪瓷杯", description="<p>露营用。</p>")
        save_product_translations(product=mug, texts={"zh-hans": text})
    export = archives.start_export(store=seeded_store, actor=None, background=False)
    assert export.status == StoreArchive.Status.DONE, export.error
    owner = Membership.objects.get(store=seeded_store).user
    with archives.archive_file(export).open("rb") as stream:
        imported = archives.start_import(
            source=stream, slug="seeded-words", name="Seeded Words", owner_email=owner.email, actor=None,
            background=False,
        )  # fmt: skip
    media_cleanup.append("store_seeded_words")
    assert imported.status == StoreArchive.Status.DONE, imported.error
    copy = Store.objects.get(slug="seeded-words")
    label = "catalog.producttranslation"
    before, after = rows_by_model(seeded_store.schema_name)[label], rows_by_model(copy.schema_name)[label]
    assert after == before and len(before) == 1
    with schema_context(copy.schema_name):
        assert ProductTranslation.objects.get().title == "搪瓷杯"
    page = Client().get(f"/products/{mug.slug}/?lang=zh-hans", HTTP_HOST=host_of(copy)).content.decode()
    assert "<h1>搪瓷杯</h1>" in page and "露营用。" in page


def test_an_archived_store_keeps_its_collection_page_and_menu_translations(seeded_store, archive_root, media_cleanup):
    with schema_context(seeded_store.schema_name):
        update_profile(profile=store_profile(), language="en", extra_languages=["zh-hans"])
        collection = create_collection(title="Camp Kit", description="<p>For the trail.</p>")
        save_collection_translations(collection=collection, texts={"zh-hans": TranslatedText(title="露营装备")})
        story = save_page(page=None, title="The Kiln", body="<p>We make mugs.</p>", is_published=True)
        save_page_translations(page=story, texts={"zh-hans": PageText(title="我们的故事", body="<p>我们做杯子。</p>")})
        shop, _story = replace_navigation(links=[{"label": "Shop", "url": "/"}, {"label": "The Kiln", "page": story}])
        save_menu_translations(labels={shop.pk: {"zh-hans": "商店"}})
    export = archives.start_export(store=seeded_store, actor=None, background=False)
    assert export.status == StoreArchive.Status.DONE, export.error
    owner = Membership.objects.get(store=seeded_store).user
    with archives.archive_file(export).open("rb") as stream:
        imported = archives.start_import(
            source=stream, slug="seeded-content", name="Seeded Content", owner_email=owner.email, actor=None,
            background=False,
        )  # fmt: skip
    media_cleanup.append("store_seeded_content")
    assert imported.status == StoreArchive.Status.DONE, imported.error
    copy = Store.objects.get(slug="seeded-content")
    before, after = rows_by_model(seeded_store.schema_name), rows_by_model(copy.schema_name)
    for label in ("catalog.collectiontranslation", "themes.pagetranslation", "themes.navigationlinktranslation"):
        assert after[label] == before[label] and len(before[label]) == 1, label
    host = host_of(copy)
    collection_page = Client().get(f"/collections/{collection.slug}/?lang=zh-hans", HTTP_HOST=host).content.decode()
    assert "<h1>露营装备</h1>" in collection_page and ">商店</a>" in collection_page
    story_page = Client().get("/pages/the-kiln/?lang=zh-hans", HTTP_HOST=host).content.decode()
    assert "<h1>我们的故事</h1>" in story_page and "我们做杯子。" in story_page
    assert "<h1>The Kiln</h1>" in Client().get("/pages/the-kiln/", HTTP_HOST=host).content.decode()
