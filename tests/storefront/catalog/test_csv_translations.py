"""Translations in the catalog CSV: exported as title:<language> / description:<language> columns, imported back
(into the same store or another), blank cells keeping what is saved, and a language the store lacks refused by row."""

import csv
import io

from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from storefront.catalog.csv_format import COLUMNS, validate_header
from storefront.catalog.csv_jobs import run_export, run_import
from storefront.catalog.models import ProductTranslation
from storefront.catalog.services import (
    TranslatedText,
    create_product,
    save_product_translations,
    start_catalog_export,
    start_catalog_import,
)
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile


def _offer(store, extra: list[str]) -> None:
    with schema_context(store.schema_name):
        update_profile(profile=store_profile(), language="en", extra_languages=extra)


def _export(store) -> list[dict[str, str]]:
    with schema_context(store.schema_name):
        export = run_export(export_id=start_catalog_export().pk)
    return list(csv.DictReader(io.StringIO(export.content)))


def _import(store, rows: list[dict[str, str]]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with schema_context(store.schema_name):
        started = start_catalog_import(file=ContentFile(buffer.getvalue().encode(), name="products.csv"))
        return run_import(import_id=started.pk)


def _translations(store) -> list[tuple[str, str, str, str]]:
    with schema_context(store.schema_name):
        return list(
            ProductTranslation.objects.order_by("product__slug", "language").values_list(
                "product__slug", "language", "title", "description"
            )
        )


def test_translations_go_out_in_the_csv_and_come_back_into_another_store(store_a, store_b):
    _offer(store_a, ["zh-hans"])
    _offer(store_b, ["zh-hans"])
    with schema_context(store_a.schema_name):
        cup = create_product(title="Tea Cup", price="9.00", sku="TR-CUP", description="<p>Fired by hand.</p>")
        create_product(title="Rice Bowl", price="7.00", sku="TR-BOWL")
        text = TranslatedText(title="=茶杯", description="<p>手工烧制。</p>")  # a formula-like cell stays inert
        save_product_translations(product=cup, texts={"zh-hans": text})
    rows = [row for row in _export(store_a) if row["sku"].startswith("TR-")]
    assert list(rows[0]) == [*COLUMNS, "title:zh-hans", "description:zh-hans"]
    by_sku = {row["sku"]: row for row in rows}
    assert (by_sku["TR-CUP"]["title:zh-hans"], by_sku["TR-CUP"]["description:zh-hans"]) == (
        "'=茶杯",
        "<p>手工烧制。</p>",
    )
    assert (by_sku["TR-BOWL"]["title:zh-hans"], by_sku["TR-BOWL"]["description:zh-hans"]) == ("", "")

    job = _import(store_b, rows)
    assert (job.error_count, job.errors, job.created_count) == (0, [], 2)
    assert _translations(store_b) == _translations(store_a) == [("tea-cup", "zh-hans", "=茶杯", "<p>手工烧制。</p>")]

    # A changed title with a blank description cell: the title changes, the description stays.
    by_sku["TR-CUP"].update({"title:zh-hans": "青瓷茶杯", "description:zh-hans": ""})
    by_sku["TR-BOWL"]["title:zh-hans"] = "饭碗"
    job = _import(store_b, [by_sku["TR-CUP"], by_sku["TR-BOWL"]])
    assert (job.error_count, job.updated_count) == (0, 2)
    assert _translations(store_b) == [
        ("rice-bowl", "zh-hans", "饭碗", ""),
        ("tea-cup", "zh-hans", "青瓷茶杯", "<p>手工烧制。</p>"),
    ]
    assert _translations(store_a) == [("tea-cup", "zh-hans", "=茶杯", "<p>手工烧制。</p>")]  # store A untouched


def test_a_translation_into_a_language_the_store_does_not_offer_is_a_row_error(store_a):
    _offer(store_a, [])
    row = {"sku": "TR-ONE", "title": "Plate", "price": "3.00", "title:zh-hans": "盘子", "description:zh-hans": ""}
    job = _import(store_a, [row])
    assert job.error_count == 1 and job.errors[0]["line"] == 2
    assert job.errors[0]["message"].startswith("title:zh-hans: This store doesn't offer 'zh-hans'")
    with schema_context(store_a.schema_name):
        assert not ProductTranslation.objects.exists()
    # The row is all-or-nothing: its product wasn't created either.
    assert "TR-ONE" not in {row["sku"] for row in _export(store_a)}


def test_an_unknown_translation_column_is_refused_up_front():
    problems = validate_header(io.StringIO("sku,title:fr\nA,Assiette\n"))
    assert len(problems) == 1 and problems[0].startswith("Line 1 has unknown column(s): title:fr.")
