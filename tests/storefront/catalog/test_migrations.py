"""Stores made before variants existed keep their products: each gets a default variant and its picture moves over."""

from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

SCHEMA = "store_catalog_migration_test"
BEFORE = [("catalog", "0001_initial")]
AFTER = [("catalog", "0003_remove_product_image_remove_product_thumbnail")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets[0]).apps


def test_products_of_an_old_store_are_migrated_to_variants_and_images(committed):
    # A schema of its own, migrated as far as the old catalog; each migration commits, as in migrate_schemas.
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{SCHEMA}"')
    try:
        connection.set_schema(SCHEMA)
        old = _migrate(BEFORE)
        OldProduct = old.get_model("catalog", "Product")
        mug = OldProduct.objects.create(
            title="Old Mug", slug="old-mug", price=Decimal("12.50"), status="active",
            image="products/old-mug.png", thumbnail="products/thumbnails/old-mug.jpg",
        )  # fmt: skip
        plain = OldProduct.objects.create(title="Old Plain", slug="old-plain", price=Decimal("3.00"))

        new = _migrate(AFTER)
        Variant = new.get_model("catalog", "ProductVariant")
        Image = new.get_model("catalog", "ProductImage")
        assert list(Variant.objects.order_by("product_id").values_list("product_id", "sku", "price")) == [
            (mug.pk, "OLD-MUG", Decimal("12.50")),
            (plain.pk, "OLD-PLAIN", Decimal("3.00")),
        ]
        image = Image.objects.get()
        assert (image.product_id, image.image.name, image.thumbnail.name, image.alt_text) == (
            mug.pk,
            "products/old-mug.png",
            "products/thumbnails/old-mug.jpg",
            "Old Mug",
        )
        assert not Image.objects.filter(product_id=plain.pk).exists()

        # And back: the picture returns to the product row.
        old = _migrate(BEFORE)
        assert old.get_model("catalog", "Product").objects.get(pk=mug.pk).image.name == "products/old-mug.png"
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{SCHEMA}" CASCADE')
