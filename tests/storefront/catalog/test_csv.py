"""CSV import and export: rows matched by SKU, bad rows reported by line and skipped, files checked up front."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from storefront.catalog.csv_format import COLUMNS
from storefront.catalog.csv_jobs import run_import
from storefront.catalog.models import (
    CatalogExport,
    CatalogImport,
    InventoryAdjustment,
    Product,
    ProductOption,
    ProductVariant,
)
from storefront.catalog.services import start_catalog_export, start_catalog_import
from tests.support import wait_until

from .factories import make_product, make_shirt


def _csv(rows: list[dict], columns: list[str] = COLUMNS) -> ContentFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ContentFile(buffer.getvalue().encode(), name="products.csv")


def _import_now(file: ContentFile, **options: object) -> CatalogImport:
    """Start an import and run its task body here, inside the test's transaction (the worker test is below)."""
    started = start_catalog_import(file=file, **options)
    return run_import(import_id=started.pk)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"name,cost\nMug,3\n", "Line 1 has unknown column(s): name, cost."),
        (b"sku,price,colour\nA,1,red\n", "Line 1 has unknown column(s): colour."),
        (b"title,price\nMug,3\n", "Line 1 lacks the column(s) sku: rows are matched to variants by SKU."),
        (b"sku,price,sku\nA,1,A\n", "Line 1 names these columns twice: sku."),
        (b"sku,option1_name\nA,Size\n", "Columns option1_name and option1_value go together."),
        (b"sku,price\n", "The CSV has a header but no rows."),
        ("sku,price\nA,1\n".encode("utf-16"), "The CSV must be UTF-8 text."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "The CSV must be UTF-8 text."),
        (b"sku\x00,price\nA,1\n", "The file is not a CSV text file."),
        (b"sku,price\n" + b"A,1\n" * (10 * 1024 * 1024 // 4), "The CSV is 10.0 MB; the limit is 10 MB."),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_at_once_and_nothing_is_started(store_a, content, message):
    with schema_context(store_a.schema_name):
        with pytest.raises(ValidationError) as caught:
            start_catalog_import(file=ContentFile(content, name="products.csv"))
        assert list(caught.value.message_dict) == ["file"]
        assert caught.value.message_dict["file"][0].startswith(message)
        assert not CatalogImport.objects.exists()


def test_rows_create_and_update_by_sku_and_bad_rows_are_reported_by_line(store_a):
    make_shirt(store_a, title="Alpha Field Shirt", sku_prefix="AFS")
    make_product(store_a, title="Alpha Mug", sku="MUG-1", track_inventory=True, stock=4)
    description = "Two lines,\nwith a comma<script>alert(1)</script>"
    rows = [
        {"sku": "MUG-1", "price": "13.00", "stock": "9"},  # line 2: update
        {"sku": "AFS-M-Red", "price": "-1"},  # line 3
        {"sku": "NEW-1", "title": "Alpha Lamp", "price": "30.00", "description": description, "tags": "home, light"},
        {
            "sku": "AFS-L-Blue",
            "handle": "alpha-field-shirt",
            "price": "24.00",
            "option1_value": "L",
            "option2_value": "Blue",
        },
        {"sku": "BAD-1", "title": "Bad", "price": "NaN"},  # line 7 (the description above spans two lines)
        {"sku": "BAD-2", "title": "Bad", "price": "Infinity"},
        {"sku": "BAD-3", "title": "Bad", "price": "1.234"},
        {"sku": "", "title": "No SKU", "price": "1.00"},
        {"sku": "MUG-1", "handle": "alpha-field-shirt"},
        {"sku": "AFS-S-Red", "option1_name": "Colour", "option1_value": "Red"},
        {"sku": "BAD-4", "price": "2.00"},
        {"sku": "MUG-1", "stock": "-50"},
        {"sku": "MUG-1", "track_inventory": "perhaps"},
        {"sku": "AFS-M-Blue", "compare_at_price": "5.00"},
    ]
    with schema_context(store_a.schema_name):
        products_before = Product.objects.count()
        result = _import_now(_csv(rows))
        assert (result.status, result.total_rows, result.processed_rows) == ("done", 14, 14)
        assert (result.created_count, result.updated_count, result.error_count) == (2, 1, 11)
        assert result.errors == [
            {"line": 3, "sku": "AFS-M-Red", "message": "price: Price cannot be negative."},
            {"line": 7, "sku": "BAD-1", "message": "variants.0.price: Price must be a finite number, not NaN."},
            {"line": 8, "sku": "BAD-2", "message": "variants.0.price: Price must be a finite number, not Infinity."},
            {"line": 9, "sku": "BAD-3", "message": "variants.0.price: Price in USD can have at most 2 decimal places."},
            {"line": 10, "sku": "", "message": "sku: Every row needs a SKU."},
            {
                "line": 11,
                "sku": "MUG-1",
                "message": "handle: SKU MUG-1 belongs to the product 'alpha-mug'; variants cannot move to another.",
            },
            {
                "line": 12,
                "sku": "AFS-S-Red",
                "message": "option1_name: The product 'alpha-field-shirt' has Size, Colour; option 1 is not 'Colour'.",
            },
            {"line": 13, "sku": "BAD-4", "message": "title: SKU BAD-4 is new, so its row needs the product's title."},
            {"line": 14, "sku": "MUG-1", "message": "delta: Only 9 of MUG-1 in stock; cannot remove 59."},
            {"line": 15, "sku": "MUG-1", "message": "track_inventory: Use true or false, not 'perhaps'."},
            {
                "line": 16,
                "sku": "AFS-M-Blue",
                "message": "compare_at_price: Compare-at price must be higher than the price.",
            },
        ]
        # Good rows landed; bad ones left nothing behind (no half-made product, price or stock).
        assert Product.objects.count() == products_before + 1
        mug = ProductVariant.objects.get(sku="MUG-1")
        assert (mug.price, mug.stock, mug.track_inventory) == (Decimal("13.00"), 9, True)
        assert mug.inventory_adjustments.filter(reason="import", delta=5, actor=f"import {result.pk}").exists()
        assert ProductVariant.objects.get(sku="AFS-M-Red").price == Decimal("22.00")
        assert ProductVariant.objects.get(sku="AFS-M-Blue").compare_at_price is None
        lamp = Product.objects.get(variants__sku="NEW-1")
        assert lamp.description == "Two lines,\nwith a comma"
        assert sorted(tag.name for tag in lamp.tags.all()) == ["home", "light"]
        large = ProductVariant.objects.get(sku="AFS-L-Blue")
        assert (large.product.slug, large.title) == ("alpha-field-shirt", "L / Blue")
        assert ProductOption.objects.get(product=large.product, name="Size").values == ["S", "M", "L"]
        assert not ProductVariant.objects.filter(sku__startswith="BAD").exists()


def test_numbers_a_person_did_not_mean_are_row_errors_not_values(store_a):
    make_product(store_a, title="Alpha Mug", sku="MUG-1", track_inventory=True, stock=4, price="5.00")
    rows = [
        {"sku": "MUG-1", "price": "\u0661\u0662"},
        {"sku": "MUG-1", "price": "1e2"},
        {"sku": "MUG-1", "price": "1_000"},
        {"sku": "MUG-1", "stock": "\u0661\u0662"},
        {"sku": "MUG-1", "stock": "1_000"},
        {"sku": "MUG-1", "stock": "99999999999"},
        {"sku": "MUG-1", "weight_grams": "+5"},
    ]
    with schema_context(store_a.schema_name):
        result = _import_now(_csv(rows))
        assert [(error["line"], error["message"]) for error in result.errors] == [
            (2, "price: Price must be a number such as 12.50, written with the digits 0-9."),
            (3, "price: Price must be a number such as 12.50, written out in full (100, not 1e2)."),
            (
                4,
                "price: Price must be a number such as 12.50, with a point for decimals and nothing between the "
                "digits (1234.50, not 1,234.50).",
            ),
            (5, "stock: Use a whole number written with the digits 0-9, not '\u0661\u0662'."),
            (6, "stock: Use a whole number written with the digits 0-9, not '1_000'."),
            (7, "stock: Use a number from -1,000,000 to 1,000,000,000."),
            (8, "weight_grams: Use a whole number written with the digits 0-9, not '+5'."),
        ]
        mug = ProductVariant.objects.get(sku="MUG-1")
        assert (mug.price, mug.stock, mug.weight_grams) == (Decimal("5.00"), 4, 0)


def test_an_update_only_import_reports_unknown_skus(store_a):
    make_product(store_a, title="Alpha Known", sku="KNOWN-1")
    with schema_context(store_a.schema_name):
        result = _import_now(
            _csv([{"sku": "KNOWN-1", "price": "2.00"}, {"sku": "GHOST-9", "title": "Ghost", "price": "1.00"}]),
            create_missing=False,
        )
        assert (result.created_count, result.updated_count) == (0, 1)
        assert result.errors == [
            {
                "line": 3,
                "sku": "GHOST-9",
                "message": "sku: Unknown SKU GHOST-9: this import only updates existing variants.",
            }
        ]
        assert not ProductVariant.objects.filter(sku="GHOST-9").exists()


def test_a_row_with_more_cells_than_columns_is_reported(store_a):
    with schema_context(store_a.schema_name):
        result = _import_now(ContentFile(b"sku,title,price\nX-1,Extra,1.00,surprise\n", name="x.csv"))
        assert result.errors == [
            {"line": 2, "sku": "X-1", "message": "The row has more cells than the header has columns."}
        ]


def test_an_import_adds_options_and_values_to_existing_products_keeping_their_variants(store_a):
    make_product(store_a, title="Alpha CSV Mug", sku="CSVMUG-1", track_inventory=True, stock=4)
    make_shirt(store_a, title="Alpha CSV Shirt", sku_prefix="CSVS")
    rows = [
        # The mug has no options: its variant's row adds Size, then a new SKU adds a second size.
        {"sku": "CSVMUG-1", "handle": "alpha-csv-mug", "option1_name": "Size", "option1_value": "Small"},
        {"sku": "CSVMUG-2", "handle": "alpha-csv-mug", "option1_name": "Size", "option1_value": "Large",
         "price": "16.00", "stock": "2", "track_inventory": "true"},
        # A third option for the shirt, named on one row only: every variant takes the first value...
        {"sku": "CSVS-S-Blue", "option3_name": "Material", "option3_value": "Cotton"},
        # ...then rows change a variant's value and add a variant with new values.
        {"sku": "CSVS-M-Red", "option3_value": "Linen"},
        {"sku": "CSVS-L-Blue-Linen", "handle": "alpha-csv-shirt", "option1_value": "L", "option2_value": "Blue",
         "option3_value": "Linen", "price": "24.00"},
        # Line 7 on: refused.
        {"sku": "CSVMUG-3", "handle": "alpha-csv-mug", "option1_name": "Size", "option1_value": "Medium",
         "option2_name": "Glaze", "option2_value": "Matte", "price": "1.00"},
        {"sku": "CSVS-S-Red", "option3_name": "Fit", "option3_value": "Slim"},
        {"sku": "CSVMUG-1", "option3_name": "Glaze", "option3_value": "Matte"},
        {"sku": "CSVMUG-1", "option1_name": "Size", "option2_name": "size", "option2_value": "Big"},
        {"sku": "CSVMUG-2", "option2_name": "Glaze"},
    ]  # fmt: skip
    with schema_context(store_a.schema_name):
        mug_variant = ProductVariant.objects.get(sku="CSVMUG-1")
        shirt_ids = dict(ProductVariant.objects.filter(sku__startswith="CSVS-").values_list("sku", "pk"))
        result = _import_now(_csv(rows))
        assert (result.created_count, result.updated_count, result.error_count) == (2, 3, 5)
        assert result.errors == [
            {
                "line": 7,
                "sku": "CSVMUG-3",
                "message": "option2_name: The product 'alpha-csv-mug' has no option 'Glaze' yet. Add it on a row of "
                "one of its existing variants first (rows are read in order), giving that variant's value.",
            },
            {
                "line": 8,
                "sku": "CSVS-S-Red",
                "message": "option3_name: The product 'alpha-csv-shirt' has Size, Colour, Material; "
                "option 3 is not 'Fit'.",
            },
            {"line": 9, "sku": "CSVMUG-1", "message": "option3_name: Name option 2 before option 3."},
            {
                "line": 10,
                "sku": "CSVMUG-1",
                "message": "option2_name: There are two options named 'size'; give each option its own name.",
            },
            {
                "line": 11,
                "sku": "CSVMUG-2",
                "message": "option2_value: The new option 'Glaze' needs this variant's value.",
            },
        ]
        mug = Product.objects.get(slug="alpha-csv-mug")
        assert [(o.name, o.values) for o in mug.options.all()] == [("Size", ["Small", "Large"])]
        assert [(v.pk, v.sku, v.title, v.stock) for v in mug.variants.all()] == [
            (mug_variant.pk, "CSVMUG-1", "Small", 4),
            (mug.variants.get(sku="CSVMUG-2").pk, "CSVMUG-2", "Large", 2),
        ]
        assert list(mug_variant.inventory_adjustments.values_list("delta", "reason")) == [(4, "initial")]
        shirt = Product.objects.get(slug="alpha-csv-shirt")
        assert [(o.name, o.values) for o in shirt.options.all()] == [
            ("Size", ["S", "M", "L"]),
            ("Colour", ["Blue", "Red"]),
            ("Material", ["Cotton", "Linen"]),
        ]
        assert {v.sku: (v.pk, v.title, v.stock) for v in shirt.variants.all()} == {
            "CSVS-S-Blue": (shirt_ids["CSVS-S-Blue"], "S / Blue / Cotton", 5),
            "CSVS-S-Red": (shirt_ids["CSVS-S-Red"], "S / Red / Cotton", 5),
            "CSVS-M-Blue": (shirt_ids["CSVS-M-Blue"], "M / Blue / Cotton", 5),
            "CSVS-M-Red": (shirt_ids["CSVS-M-Red"], "M / Red / Linen", 5),
            "CSVS-L-Blue-Linen": (shirt.variants.get(sku="CSVS-L-Blue-Linen").pk, "L / Blue / Linen", 0),
        }
        assert InventoryAdjustment.objects.filter(variant__product=shirt).count() == 4


def _wait_until_done(model: type, pk: int, schema_name: str):
    def finished():
        with schema_context(schema_name):
            job = model.objects.get(pk=pk)
        return job if job.status in ("done", "failed") else None

    return wait_until(finished, what=f"{model.__name__} {pk} in {schema_name} to finish")


def test_export_then_import_on_the_worker_updates_by_sku_without_duplicates(clean_stores, celery_worker):
    store_a, store_b = clean_stores
    make_shirt(store_a, title="Alpha Round Trip Shirt", sku_prefix="RT")
    make_product(store_a, title='=HYPERLINK("http://evil")', sku="RT-FORMULA", description="<p>Cell</p>")
    make_product(store_b, title="Beta Only", sku="RT-BETA")
    with schema_context(store_a.schema_name):
        export = start_catalog_export(actor="tests")
    export = _wait_until_done(CatalogExport, export.pk, store_a.schema_name)
    assert export.status == "done" and export.processed_rows == export.total_rows
    rows = list(csv.DictReader(io.StringIO(export.content)))
    assert list(rows[0]) == COLUMNS
    by_sku = {row["sku"]: row for row in rows}
    assert "RT-BETA" not in by_sku  # the export ran in store A's schema only
    # A cell a spreadsheet would run as a formula is written inert...
    assert by_sku["RT-FORMULA"]["title"] == '\'=HYPERLINK("http://evil")'
    assert by_sku["RT-M-Red"] == {
        **by_sku["RT-M-Red"],
        "handle": "alpha-round-trip-shirt",
        "option1_name": "Size",
        "option1_value": "M",
        "option2_name": "Colour",
        "option2_value": "Red",
        "price": "22.00",
        "stock": "5",
        "tags": "apparel, summer",
    }

    # Change two cells, add a row and a bad one, then import the file back.
    by_sku["RT-M-Red"]["price"] = "23.50"
    by_sku["RT-S-Blue"]["stock"] = "8"
    extra = {**by_sku["RT-S-Blue"], "sku": "RT-L-Blue", "option1_value": "L", "price": "26.00", "stock": "1"}
    broken = {**by_sku["RT-S-Blue"], "sku": "RT-XL-Blue", "option1_value": "XL", "price": "-3.00"}
    with schema_context(store_a.schema_name):
        counts_before = (Product.objects.count(), ProductVariant.objects.count())
        started = start_catalog_import(file=_csv([*by_sku.values(), extra, broken]), actor="tests")
    result = _wait_until_done(CatalogImport, started.pk, store_a.schema_name)
    line_of_broken = 2 + len(by_sku) + 1
    assert (result.status, result.total_rows, result.processed_rows) == ("done", len(by_sku) + 2, len(by_sku) + 2)
    assert (result.created_count, result.updated_count, result.error_count) == (1, len(by_sku), 1)
    assert result.errors == [
        {"line": line_of_broken, "sku": "RT-XL-Blue", "message": "price: Price cannot be negative."}
    ]
    with schema_context(store_a.schema_name):
        assert (Product.objects.count(), ProductVariant.objects.count()) == (counts_before[0], counts_before[1] + 1)
        assert ProductVariant.objects.get(sku="RT-M-Red").price == Decimal("23.50")
        assert ProductVariant.objects.get(sku="RT-S-Blue").stock == 8
        assert InventoryAdjustment.objects.filter(variant__sku="RT-S-Blue", reason="import", delta=3).count() == 1
        # ...and comes back as it was.
        assert Product.objects.filter(title='=HYPERLINK("http://evil")').count() == 1
    with schema_context(store_b.schema_name):
        assert not ProductVariant.objects.filter(sku__startswith="RT-").exclude(sku="RT-BETA").exists()

    # Importing the same file again changes nothing and duplicates nothing.
    with schema_context(store_a.schema_name):
        again = start_catalog_import(file=_csv([*by_sku.values(), extra]), actor="tests")
    again = _wait_until_done(CatalogImport, again.pk, store_a.schema_name)
    assert (again.created_count, again.updated_count, again.error_count) == (0, len(by_sku) + 1, 0)
    with schema_context(store_a.schema_name):
        assert (Product.objects.count(), ProductVariant.objects.count()) == (counts_before[0], counts_before[1] + 1)
        assert InventoryAdjustment.objects.filter(variant__sku="RT-S-Blue", reason="import").count() == 1
