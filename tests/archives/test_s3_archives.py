"""Store archives and purges with media on S3-compatible storage: exactly one store's objects go out, in, and away."""

import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import schema_context

from storefront.catalog.services import add_product_image, create_product
from tenants.archives import services as archives
from tenants.models import Store, StoreArchive
from tests.storefront.catalog.factories import png


def _objects_of(bucket, schema_name: str) -> dict[str, bytes]:
    """The store's objects, by name relative to its prefix."""
    prefix = f"media/{schema_name}/"
    return {key[len(prefix) :]: data for key, data in bucket.objects(prefix).items()}


@pytest.mark.slow
def test_export_import_and_purge_move_exactly_one_stores_objects(s3_media, seeded_store, store_a, archive_root):
    with schema_context(store_a.schema_name):
        tent = create_product(title="Alpha S3 Tent", price="30.00")
        add_product_image(product=tent, file=ContentFile(png(16, 16), name="tent.png"))
    alpha_before = _objects_of(s3_media, store_a.schema_name)
    seeded = _objects_of(s3_media, seeded_store.schema_name)
    assert len(alpha_before) == 1 and len(seeded) >= 4  # two pictures, a thumbnail, a logo

    export = archives.start_export(store=seeded_store, actor=None, background=False)
    assert export.status == StoreArchive.Status.DONE, export.error
    with zipfile.ZipFile(archives.archive_file(export)) as archive:
        in_archive = {
            name[len("media/") :]: archive.read(name) for name in archive.namelist() if name.startswith("media/")
        }
    assert in_archive == seeded  # every object of the store, and only the store's

    # Imported under a slug whose schema name starts with the original's: the prefixes must still keep them apart.
    with archives.archive_file(export).open("rb") as stream:
        imported = archives.start_import(source=stream, slug="seeded-goods-copy", actor=None, background=False)
    assert imported.status == StoreArchive.Status.DONE, imported.error
    copy = Store.objects.get(slug="seeded-goods-copy")
    assert copy.schema_name == "store_seeded_goods_copy"
    assert _objects_of(s3_media, copy.schema_name) == seeded
    with schema_context(copy.schema_name):
        from storefront.catalog.models import ProductImage

        first = ProductImage.objects.order_by("pk").first()
        with first.image.open("rb") as stored:  # the imported rows' file names find the imported objects
            assert stored.read() == seeded[first.image.name]

    # Purging the original removes its objects, not the copy's (same leading characters) nor alpha's.
    Store.objects.filter(pk=seeded_store.pk).update(
        status=Store.Status.CLOSED, closed_at=timezone.now() - timedelta(days=1)
    )
    seeded_store.refresh_from_db()
    archives.purge_closed_store(store=seeded_store, actor=None, confirmation="seeded-goods")
    assert _objects_of(s3_media, seeded_store.schema_name) == {}
    assert _objects_of(s3_media, copy.schema_name) == seeded
    assert _objects_of(s3_media, store_a.schema_name) == alpha_before
    everything = s3_media.objects()
    assert {key.split("/")[1] for key in everything} == {store_a.schema_name, copy.schema_name}


@pytest.mark.slow
def test_a_failed_import_removes_the_objects_it_wrote_and_no_others(s3_media, seeded_store, archive_root, monkeypatch):
    export = archives.start_export(store=seeded_store, actor=None, background=False)
    seeded = _objects_of(s3_media, seeded_store.schema_name)
    from storefront.archive import importer

    real_unpack = importer.unpack_media

    def unpack_then_fail(*args, **kwargs):
        real_unpack(*args, **kwargs)
        raise importer.ArchiveError("the disk filled up")

    monkeypatch.setattr(importer, "unpack_media", unpack_then_fail)
    with archives.archive_file(export).open("rb") as stream:
        failed = archives.start_import(source=stream, slug="seeded-goods-two", actor=None, background=False)
    assert (failed.status, failed.error) == (StoreArchive.Status.FAILED, "the disk filled up")
    assert _objects_of(s3_media, "store_seeded_goods_two") == {}
    assert _objects_of(s3_media, seeded_store.schema_name) == seeded
