"""Export a seeded store and import it as a new one: every row of every model and every media file comes back."""

import csv
import io
import json
import zipfile

from django.apps import apps
from django.conf import settings
from django_tenants.utils import schema_context, schema_exists

from storefront.api.models import ApiToken
from storefront.archive.format import SKIPPED_MODELS, archived_models
from tenants.archives import services as archives
from tenants.models import AdminAction, Membership, Role, Store, StoreArchive
from tests.archives.support import media_files, rows_by_model


def _tenant_models() -> set[str]:
    return {
        model._meta.label_lower
        for config in apps.get_app_configs()
        if config.name in settings.TENANT_APPS
        for model in config.get_models(include_auto_created=True)
    }


def test_every_tenant_model_is_archived_or_skipped_with_a_reason():
    archived = {model._meta.label_lower for model in archived_models()}
    assert archived | set(SKIPPED_MODELS) == _tenant_models()
    assert set(SKIPPED_MODELS) == {"sessions.session", "contenttypes.contenttype", "store_api.apitoken"}
    assert all(reason.strip() for reason in SKIPPED_MODELS.values())


def test_export_then_import_gives_the_same_store(seeded_store, archive_root, media_cleanup):
    export = archives.start_export(store=seeded_store, actor=None, background=False)
    assert export.status == StoreArchive.Status.DONE and export.progress == 100, export.error
    path = archives.archive_file(export)
    assert path is not None and path.is_relative_to(archive_root) and export.size_bytes == path.stat().st_size

    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        products_csv = list(csv.reader(io.StringIO(archive.read("data/products.csv").decode())))
        orders_csv = list(csv.reader(io.StringIO(archive.read("data/orders.csv").decode())))
    # Every tenant model but the skipped ones has its data file, listed with its row count and checksum.
    assert set(manifest["models"]) == _tenant_models() - set(SKIPPED_MODELS)
    assert {entry["file"] for entry in manifest["models"].values()} <= names
    assert manifest["store"] == {
        "name": "Seeded Goods", "slug": "seeded-goods", "currency": "USD", "schema_name": "store_seeded_goods",
    }  # fmt: skip
    assert manifest["models"]["catalog.productvariant"]["rows"] == 6  # 4 shirts, a mug, a lamp
    assert len(products_csv) == 1 + 6 and len(orders_csv) == 1 + 2
    assert [row[2] for row in products_csv[1:] if "Lamp" in row[2]] == ["'=SUM(A1) Lamp"]  # not a live formula
    source_media = media_files(seeded_store.schema_name)
    assert len(source_media) >= 4  # two pictures, a thumbnail, a logo
    assert {f"media/{name}" for name in source_media} <= names

    new_owner = Membership.objects.get(store=seeded_store).user
    with path.open("rb") as stream:
        imported = archives.start_import(
            source=stream, slug="seeded-copy", name="Seeded Copy", owner_email=new_owner.email, actor=None,
            background=False,
        )  # fmt: skip
    media_cleanup.append("store_seeded_copy")
    assert imported.status == StoreArchive.Status.DONE, imported.error
    copy = Store.objects.get(slug="seeded-copy")
    assert imported.store == copy and copy.name == "Seeded Copy" and copy.status == Store.Status.ACTIVE
    assert Membership.objects.filter(store=copy, user=new_owner, role=Role.OWNER).exists()

    # Field by field, every archived model: nothing differs, not even primary keys or auto_now timestamps.
    # (The store's name, slug and schema are public-schema rows and differ on purpose.)
    before, after = rows_by_model(seeded_store.schema_name), rows_by_model(copy.schema_name)
    for label in before:
        assert after[label] == before[label], label
    for label in ("catalog.product", "catalog.productvariant", "catalog.productimage", "catalog.collection",
                  "themes.page", "orders.order", "orders.orderline", "reviews.review", "inbox.contactmessage", "inbox.conversation",
                  "checkout.discountcode", "catalog.inventoryadjustment"):  # fmt: skip
        assert before[label], f"the seed should have {label} rows"
    # The original's API tokens are not carried over: the copy accepts none of them.
    with schema_context(seeded_store.schema_name):
        assert ApiToken.objects.exists()
    with schema_context(copy.schema_name):
        assert not ApiToken.objects.exists()
    assert media_files(copy.schema_name) == source_media

    # Sequences continue after the imported keys: a new row doesn't collide.
    from storefront.catalog.services import create_product

    with schema_context(copy.schema_name):
        fresh = create_product(title="After import", price="3.00")
    assert fresh.pk > max(row[0] for row in before["catalog.product"])

    kinds = list(
        AdminAction.objects.filter(store_slug__in=["seeded-goods", "seeded-copy"]).values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["export", "import"]


def test_an_interrupted_import_leaves_nothing(seeded_store, archive_root, media_cleanup, monkeypatch):
    """A failure after the store was made (here: while loading the last model) rolls the whole store back."""
    export = archives.start_export(store=seeded_store, actor=None, background=False)
    path = archives.archive_file(export)
    from storefront.archive import importer

    real_insert = importer._insert_rows

    def failing_insert(model, document):
        if model._meta.label_lower == archived_models()[-1]._meta.label_lower:
            raise importer.ArchiveError("disk full")
        return real_insert(model, document)

    monkeypatch.setattr(importer, "_insert_rows", failing_insert)
    with path.open("rb") as stream:
        result = archives.start_import(source=stream, slug="half-made", actor=None, background=False)
    media_cleanup.append("store_half_made")
    assert result.status == StoreArchive.Status.FAILED and result.error == "disk full"
    assert not Store.objects.filter(slug="half-made").exists() and not schema_exists("store_half_made")
    assert not (settings.MEDIA_ROOT / "store_half_made").exists()
