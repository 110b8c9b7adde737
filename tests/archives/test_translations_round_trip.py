"""A store archive carries its products' translations: the copy shows them in the same language."""

from django.test import Client
from django_tenants.utils import schema_context

from storefront.catalog.models import Product, ProductTranslation
from storefront.catalog.services import TranslatedText, save_product_translations
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
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
