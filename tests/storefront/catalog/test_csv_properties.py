"""Properties of the catalog CSV import over files hypothesis makes up: bad cells are row errors, good rows
round-trip through the export."""

import csv
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from platform.kit.money import format_amount, parse_amount
from storefront.catalog.csv_format import COLUMNS, unescape
from storefront.catalog.csv_jobs import run_export, run_import
from storefront.catalog.models import CatalogImport, InventoryAdjustment, ProductVariant
from storefront.catalog.services import start_catalog_export, start_catalog_import

INTERNAL_ERROR = "This row could not be imported because of an internal error."
# Each example runs in a savepoint of the test's transaction that is rolled back, so the function-scoped store
# fixture is the same clean store every time. No example database, no deadline: tests never judge by time.
PROPERTIES = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Any text a spreadsheet could hold in a cell (no lone surrogates: they can't be written as UTF-8 at all).
ANY_CELL = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
# Cells that get past the first checks and into the services, where the interesting refusals are.
LIKELY_CELL = st.one_of(
    st.sampled_from(["", "true", "false", "yes", "0", "1", "-1", "active", "draft", "archived", "Size", "S", "M"]),
    st.from_regex(r"-?[0-9]{1,12}(\.[0-9]{0,4})?", fullmatch=True),
    st.sampled_from(["1e2", "\u0661\u0662", "1_000", "12,50", "NaN", "Infinity", "=1+2", "'=SUM(A1)", "99999999999"]),
    st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,8})?", fullmatch=True),
)
CELL = st.one_of(ANY_CELL, LIKELY_CELL)
SKUS = st.sampled_from(["HYP-1", "HYP-2", "HYP-3", "hyp-1", "", " HYP-1 "])


def _file(rows: list[dict[str, str]], columns: list[str]) -> ContentFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ContentFile(buffer.getvalue().encode(), name="products.csv")


def _import(file: ContentFile, **options: object) -> CatalogImport:
    """Start an import and run its task body here, inside the test's transaction."""
    return run_import(import_id=start_catalog_import(file=file, **options).pk)


@st.composite
def arbitrary_files(draw: st.DrawFn) -> tuple[list[str], list[dict[str, str]]]:
    others = draw(st.lists(st.sampled_from([name for name in COLUMNS if name != "sku"]), unique=True, max_size=8))
    columns = ["sku", *others]
    for n in (1, 2, 3):  # the header check wants an option's name and value columns together
        if (f"option{n}_name" in columns) != (f"option{n}_value" in columns):
            columns = [name for name in columns if not name.startswith(f"option{n}_")]
    row = st.fixed_dictionaries({"sku": st.one_of(SKUS, CELL), **{name: CELL for name in columns[1:]}})
    return columns, draw(st.lists(row, min_size=1, max_size=4))


@PROPERTIES
@given(arbitrary_files(), st.booleans())
@example((["sku", "price", "title"], [{"sku": "HYP-1", "price": "\u0661\u0662", "title": "Arabic digits"}]), True)
@example((["sku", "price", "title"], [{"sku": "HYP-1", "price": "1e2", "title": "An exponent"}]), True)
@example(
    (["sku", "stock", "title", "price"], [{"sku": "HYP-1", "stock": "99999999999", "title": "T", "price": "1"}]), True
)
@example((["sku", "weight_grams", "title", "price"], [{"sku": "HYP-1", "weight_grams": "9" * 12, "title": "T", "price": "1"}]), True)  # fmt: skip
def test_arbitrary_cells_give_row_errors_and_nothing_worse(store_a, file, create_missing):
    columns, rows = file
    with schema_context(store_a.schema_name), transaction.atomic():
        try:
            job = _import(_file(rows, columns), create_missing=create_missing)
        except ValidationError as refused:  # the whole file, refused before any row (e.g. a NUL character)
            assert set(refused.message_dict) == {"file"}
        else:
            assert job.status == CatalogImport.Status.DONE, job.message
            assert job.processed_rows == job.total_rows <= len(rows)
            assert job.created_count + job.updated_count + job.error_count == job.total_rows
            assert [error for error in job.errors if error["message"] == INTERNAL_ERROR] == []
        transaction.set_rollback(True)


# --- Valid rows round-trip --------------------------------------------------------------------------------

WORDS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .'!?éøß"), min_size=1)
TEXT = WORDS.map(str.strip).filter(bool)
# Text a spreadsheet would take for a formula: the export protects it with a quote, the import takes it off.
FORMULA_LIKE = st.builds(lambda start, rest: start + rest, st.sampled_from("=+-@"), TEXT)


@st.composite
def amount_texts(draw: st.DrawFn, *, minimum: Decimal = Decimal(0), maximum: int = 99_999_999) -> str:
    cents = draw(st.integers(min_value=int(minimum * 100), max_value=maximum))
    text = format_amount(Decimal(cents).scaleb(-2), currency="USD")
    # A person may type 12.5 for 12.50, or 12 for 12.00.
    return draw(st.sampled_from([text, text.rstrip("0").rstrip("."), text + " "]))


@st.composite
def products(draw: st.DrawFn, index: int) -> list[dict[str, str]]:
    handle = f"hyp-product-{index}"
    title = draw(st.one_of(TEXT, FORMULA_LIKE).map(lambda text: text[:200]))
    sizes = draw(
        st.lists(st.sampled_from(["S", "M", "L", "XL", "=1", "One size"]), min_size=1, max_size=3, unique=True)
    )
    product = {
        "handle": handle,
        "title": title,
        "status": draw(st.sampled_from(["active", "draft", "archived"])),
        "tags": ", ".join(draw(st.lists(st.sampled_from(["mugs", "blue", "Gift ideas"]), unique=True, max_size=2))),
        "seo_title": draw(st.one_of(st.just(""), TEXT.map(lambda text: text[:70]))),
    }
    rows = []
    for position, size in enumerate(sizes, start=1):
        price = draw(amount_texts(maximum=9_999_999))
        compare = draw(st.one_of(st.just(""), amount_texts(minimum=parse_amount(price, currency="USD") + 1)))
        track = draw(st.booleans())
        rows.append(
            {
                **(product if position == 1 else {"handle": handle}),
                "option1_name": "Size",
                "option1_value": size,
                "sku": f"HYP-{index}-{position}",
                "price": price,
                "compare_at_price": compare,
                "track_inventory": "true" if track else "false",
                "continue_selling_when_out_of_stock": draw(st.sampled_from(["true", "false"])),
                "stock": str(draw(st.integers(min_value=0, max_value=1_000_000))),
                "weight_grams": str(draw(st.integers(min_value=0, max_value=100_000))),
            }
        )
    return rows


@st.composite
def catalogs(draw: st.DrawFn) -> list[dict[str, str]]:
    count = draw(st.integers(min_value=1, max_value=3))
    return [row for index in range(count) for row in draw(products(index))]


def _exported_rows(skus: set[str]) -> dict[str, dict[str, str]]:
    export = run_export(export_id=start_catalog_export().pk)
    return {row["sku"]: row for row in csv.DictReader(io.StringIO(export.content)) if row["sku"] in skus}


def _variant_state() -> list[tuple]:
    return list(
        ProductVariant.objects.filter(sku__startswith="HYP-")
        .order_by("sku")
        .values_list("sku", "price", "compare_at_price", "stock", "weight_grams", "option1", "product__title")
    )


@PROPERTIES
@given(catalogs())
def test_valid_rows_come_back_from_the_export_as_they_were_imported(store_a, rows):
    with schema_context(store_a.schema_name), transaction.atomic():
        job = _import(_file(rows, COLUMNS))
        assert (job.error_count, job.errors, job.created_count) == (0, [], len(rows))
        exported = _exported_rows({row["sku"] for row in rows})
        titles = {row["handle"]: row["title"] for row in rows if row.get("title")}
        for row in rows:
            back = exported[row["sku"]]
            assert back["handle"] == row["handle"]
            # Text a spreadsheet would run as a formula is written with a quote in front, and read back without.
            assert unescape(back["title"]) == titles[row["handle"]]
            assert back["price"] == format_amount(parse_amount(row["price"], currency="USD"), currency="USD")
            compare = row["compare_at_price"]
            expected_compare = format_amount(parse_amount(compare, currency="USD"), currency="USD") if compare else ""
            assert back["compare_at_price"] == expected_compare
            for column in ("option1_name", "track_inventory", "continue_selling_when_out_of_stock", "stock"):
                assert back[column] == row[column], column
            assert unescape(back["option1_value"]) == row["option1_value"]
            assert back["weight_grams"] == row["weight_grams"]

        # The exported file is itself a valid import, and importing it again changes nothing.
        state, adjustments = _variant_state(), InventoryAdjustment.objects.count()
        again = _import(_file(list(exported.values()), COLUMNS), create_missing=False)
        assert (again.error_count, again.errors, again.updated_count) == (0, [], len(rows))
        assert (_variant_state(), InventoryAdjustment.objects.count()) == (state, adjustments)
        transaction.set_rollback(True)
