"""The CSV import and export loops the catalog tasks run: row by row, each row all-or-nothing, progress saved."""

import csv
import io
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from platform.kit.money import format_amount
from storefront.themes.selectors import store_currency, store_profile, translatable_languages
from tenants import suspension
from tenants.connection import connection

from . import services
from .csv_format import (
    COLUMNS,
    STOCK_RANGE,
    WEIGHT_RANGE,
    escape,
    parse_bool,
    parse_int,
    read_rows,
    row_translations,
    translated_columns,
    validate_header,
)
from .models import (
    CatalogExport,
    CatalogImport,
    InventoryAdjustment,
    Product,
    ProductOption,
    ProductTranslation,
    ProductVariant,
)

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 20
# The write this task makes, as the suspension rule names it (tenants.suspension).
IMPORT_ACTION = "catalog.run_catalog_import"
PRODUCT_COLUMNS = ("title", "description", "status", "seo_title", "seo_description")


def run_import(*, import_id: int) -> CatalogImport | None:
    """Apply every row of a pending (or interrupted) import. A bad row is reported with its line and skipped.

    The worker knows no page's language, so the import's messages are written in the store's default language,
    the one its dashboard shows (a row's error comes from the same services as a form's, as a sentence: there is
    no code to translate later).
    """
    with translation.override(store_profile().offered_languages()[0]):
        return _run_import(import_id=import_id)


def _run_import(*, import_id: int) -> CatalogImport | None:
    job = CatalogImport.objects.filter(pk=import_id).first()
    if job is None or job.status in (CatalogImport.Status.DONE, CatalogImport.Status.FAILED):
        return job
    try:
        # Queued while the store was open, run after it was suspended: a suspended store's catalog doesn't change.
        suspension.ensure_allowed(schema_name=connection.schema_name, action=IMPORT_ACTION)
    except suspension.StoreSuspended as refusal:
        _finish(job, status=CatalogImport.Status.FAILED, message=f"{refusal} " + _("Nothing was imported."))
        return job
    problems = validate_header(io.StringIO(job.source))
    if problems:
        _finish(job, status=CatalogImport.Status.FAILED, message=" ".join(problems))
        return job
    try:
        rows = list(read_rows(io.StringIO(job.source)))
    except csv.Error as error:
        # The header read well but a later line doesn't (a bare carriage return inside an unquoted cell, say):
        # refuse the whole file before any row is applied, so a half-read file never half-imports.
        message = _("The file is not a readable CSV: %(error)s.") % {"error": error}
        _finish(job, status=CatalogImport.Status.FAILED, message=message)
        return job
    # Counters start from zero: a rerun after a crash applies the rows again, and re-applying is harmless.
    job.status, job.started_at, job.total_rows = CatalogImport.Status.RUNNING, timezone.now(), len(rows)
    job.processed_rows = job.created_count = job.updated_count = job.error_count = 0
    job.errors = []
    job.save()
    actor = f"import {job.pk}"
    for index, (line, row) in enumerate(rows, start=1):
        try:
            with transaction.atomic():
                outcome = _apply_row(row, create_missing=job.create_missing, actor=actor)
        except ValidationError as error:
            _record_error(job, line, row, _describe(error))
        except Exception:
            # One broken row must not stop the others; the trace goes to the log, the seller gets the line.
            logger.exception("catalog import %s: line %s failed", job.pk, line)
            _record_error(job, line, row, _("This row could not be imported because of an internal error."))
        else:
            if outcome == "created":
                job.created_count += 1
            else:
                job.updated_count += 1
        job.processed_rows = index
        if index % PROGRESS_EVERY == 0:
            _save_progress(job)
    _finish(job, status=CatalogImport.Status.DONE)
    return job


def run_export(*, export_id: int) -> CatalogExport | None:
    """Write every variant (one row each, grouped by product) to the export's CSV."""
    job = CatalogExport.objects.filter(pk=export_id).first()
    if job is None or job.status in (CatalogExport.Status.DONE, CatalogExport.Status.FAILED):
        return job
    variants = (
        ProductVariant.objects.select_related("product")
        .prefetch_related("product__tags", "product__options", "product__translations")
        .order_by("product__title", "product_id", "position", "id")
    )
    job.status, job.started_at, job.total_rows = CatalogExport.Status.RUNNING, timezone.now(), variants.count()
    job.processed_rows = 0
    job.save(update_fields=["status", "started_at", "total_rows", "processed_rows"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    languages = translatable_languages()
    columns = [*COLUMNS, *translated_columns(languages)]
    writer.writerow(columns)
    currency = store_currency()
    for index, variant in enumerate(variants.iterator(chunk_size=500), start=1):
        row = _export_row(variant, currency)
        writer.writerow([escape(column, row.get(column, "")) for column in columns])
        if index % (PROGRESS_EVERY * 10) == 0:
            CatalogExport.objects.filter(pk=job.pk).update(processed_rows=index)
        job.processed_rows = index
    job.content = buffer.getvalue()
    job.status, job.finished_at = CatalogExport.Status.DONE, timezone.now()
    job.save(update_fields=["content", "status", "finished_at", "processed_rows"])
    return job


# --- One import row ---------------------------------------------------------------------------------------


def _apply_row(row: dict[str, str], *, create_missing: bool, actor: str) -> str:
    if row.get(""):
        raise ValidationError(_("The row has more cells than the header has columns."))
    sku = row.get("sku", "")
    if not sku:
        raise ValidationError({"sku": [_("Every row needs a SKU.")]})
    variant = ProductVariant.objects.select_related("product").filter(sku=sku).first()
    handle = row.get("handle", "")
    option_names = [row.get(f"option{n}_name", "") for n in (1, 2, 3)]
    option_values = [row.get(f"option{n}_value", "") for n in (1, 2, 3)]
    product: Product | None
    if variant is not None:
        product = variant.product
        if handle and handle != product.slug:
            raise ValidationError(
                {
                    "handle": [
                        _("SKU %(sku)s belongs to the product '%(product)s'; variants cannot move to another.")
                        % {"sku": sku, "product": product.slug}
                    ]
                }
            )
        _update_product(product, row)
        added = _added_options(product, option_names, option_values)
        if added:
            _add_options(product, added, actor=actor)
            variant.refresh_from_db()
        if any(option_values):
            # A blank value cell keeps the variant's value, so a row adding an option may name only that one.
            current = [variant.option1, variant.option2, variant.option3]
            option_values = [given or saved for given, saved in zip(option_values, current, strict=True)]
        services.update_variant(variant=variant, **_variant_changes(row, option_values))
        _import_stock(variant, row, actor=actor)
        _import_translations(product, row)
        return "updated"

    if not create_missing:
        message = _("Unknown SKU %(sku)s: this import only updates existing variants.") % {"sku": sku}
        raise ValidationError({"sku": [message]})
    product = Product.objects.filter(slug=handle).first() if handle else None
    spec = services.VariantSpec(
        sku=sku,
        price=row.get("price", ""),
        options=[value for value in option_values if value],
        compare_at_price=row.get("compare_at_price") or None,
        stock=parse_int(row["stock"], column="stock", **STOCK_RANGE) if row.get("stock") else 0,
        track_inventory=_bool(row, "track_inventory", default=False),
        continue_selling_when_out_of_stock=_bool(row, "continue_selling_when_out_of_stock", default=False),
        weight_grams=parse_int(row["weight_grams"], column="weight_grams", **WEIGHT_RANGE)
        if row.get("weight_grams")
        else 0,
    )
    if product is None:
        if not row.get("title"):
            message = _("SKU %(sku)s is new, so its row needs the product's title.") % {"sku": sku}
            raise ValidationError({"title": [message]})
        product = services.create_product(
            title=row["title"],
            slug=handle or None,
            description=row.get("description", ""),
            status=row.get("status") or Product.Status.ACTIVE,
            tags=_tags(row) or (),
            seo_title=row.get("seo_title", ""),
            seo_description=row.get("seo_description", ""),
            options=[services.OptionSpec(name) for name in option_names if name],
            variants=[spec],
            actor=actor,
        )
    else:
        _update_product(product, row)
        added = _added_options(product, option_names, option_values)
        if added:
            # The product's variants would all take this row's value of the new option, the very combination this
            # row adds; only a row of an existing variant can say which value that variant has.
            position = option_names.index(added[0].name) + 1
            raise ValidationError(
                {
                    f"option{position}_name": [
                        _(
                            "The product '%(product)s' has no option '%(option)s' yet. Add it on a row of one of its "
                            "existing variants first (rows are read in order), giving that variant's value."
                        )
                        % {"product": product.slug, "option": added[0].name}
                    ]
                }
            )
        services.add_variant(product=product, spec=spec, actor=actor)
    _import_translations(product, row)
    return "created"


def _update_product(product: Product, row: dict[str, str]) -> None:
    # A blank cell leaves the value as it is, so a CSV may carry only the columns it means to change.
    # Any: the cells are text, which mypy would otherwise match against every keyword update_product takes.
    changes: dict[str, Any] = {name: row[name] for name in PRODUCT_COLUMNS if row.get(name)}
    tags = _tags(row)
    current = {name: getattr(product, name) for name in changes}
    if changes != current or (tags is not None and sorted(tags) != sorted(t.name for t in product.tags.all())):
        services.update_product(product=product, tags=tags, **changes)


def _import_translations(product: Product, row: dict[str, str]) -> None:
    """Apply the row's translation cells; a blank cell keeps that language's saved title or description."""
    given = row_translations(row)
    if not given:
        return
    saved = {found.language: found for found in ProductTranslation.objects.filter(product=product)}
    texts = {}
    for language, cells in given.items():
        current = saved.get(language)
        texts[language] = services.TranslatedText(
            title=cells.get("title", current.title if current else ""),
            description=cells.get("description", current.description if current else ""),
        )
    try:
        services.save_product_translations(product=product, texts=texts)
    except ValidationError as error:
        # The service names "<language>.<field>"; the seller's file calls that column "<field>:<language>".
        renamed = {}
        for key, messages in error.message_dict.items():
            language, _, field = key.partition(".")
            renamed[f"{'title' if field == 'language' else field}:{language}"] = messages
        raise ValidationError(renamed) from None


def _added_options(product: Product, names: list[str], values: list[str]) -> list[services.OptionSpec]:
    """The options a row names after the product's own (each with the row's value), checking the ones it has."""
    existing = list(ProductOption.objects.filter(product=product).order_by("position").values_list("name", flat=True))
    added: list[services.OptionSpec] = []
    for position, name in enumerate(names, start=1):
        if not name:
            continue
        if position <= len(existing):
            if existing[position - 1] != name:
                have = ", ".join(existing)
                raise ValidationError(
                    {
                        f"option{position}_name": [
                            _("The product '%(product)s' has %(options)s; option %(position)s is not '%(name)s'.")
                            % {"product": product.slug, "options": have, "position": position, "name": name}
                        ]
                    }
                )
            continue
        if position != len(existing) + len(added) + 1:
            message = _("Name option %(before)s before option %(position)s.") % {
                "before": position - 1,
                "position": position,
            }
            raise ValidationError({f"option{position}_name": [message]})
        if not values[position - 1]:
            message = _("The new option '%(name)s' needs this variant's value.") % {"name": name}
            raise ValidationError({f"option{position}_value": [message]})
        added.append(services.OptionSpec(name, [values[position - 1]]))
    return added


def _add_options(product: Product, options: list[services.OptionSpec], *, actor: str) -> None:
    """Add the options through the editor's service; its errors name the CSV's columns."""
    try:
        services.add_product_options(product=product, options=options, actor=actor)
    except ValidationError as error:
        renamed: dict[str, list[str]] = {}
        for key, messages in error.message_dict.items():
            parts = key.split(".")
            if parts[0] == "options" and len(parts) == 3:
                column = f"option{int(parts[1]) + 1}_{'name' if parts[2] == 'name' else 'value'}"
                renamed.setdefault(column, []).extend(messages)
            else:
                renamed.setdefault(key, []).extend(messages)
        raise ValidationError(renamed) from None


def _variant_changes(row: dict[str, str], option_values: list[str]) -> dict:
    changes: dict = {}
    if row.get("price"):
        changes["price"] = row["price"]
    if row.get("compare_at_price"):
        changes["compare_at_price"] = row["compare_at_price"]
    if any(option_values):
        changes["options"] = [value for value in option_values if value]
    for column in ("track_inventory", "continue_selling_when_out_of_stock"):
        if row.get(column):
            changes[column] = parse_bool(row[column], column=column)
    if row.get("weight_grams"):
        changes["weight_grams"] = parse_int(row["weight_grams"], column="weight_grams", **WEIGHT_RANGE)
    return changes


def _import_stock(variant: ProductVariant, row: dict[str, str], *, actor: str) -> None:
    if row.get("stock"):
        quantity = parse_int(row["stock"], column="stock", **STOCK_RANGE)
        services.set_stock(variant=variant, quantity=quantity, reason=InventoryAdjustment.Reason.IMPORT, actor=actor)


def _bool(row: dict[str, str], column: str, *, default: bool) -> bool:
    return parse_bool(row[column], column=column) if row.get(column) else default


def _tags(row: dict[str, str]) -> list[str] | None:
    if not row.get("tags"):
        return None
    return [tag.strip() for tag in row["tags"].split(",") if tag.strip()]


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, messages in error.message_dict.items():
        prefix = "" if name == "__all__" else f"{name}: "
        parts.append(prefix + " ".join(messages))
    return "; ".join(parts)


def _record_error(job: CatalogImport, line: int, row: dict[str, str], message: str) -> None:
    job.error_count += 1
    if len(job.errors) < CatalogImport.MAX_REPORTED_ERRORS:
        job.errors.append({"line": line, "sku": row.get("sku", ""), "message": message})


def _save_progress(job: CatalogImport) -> None:
    CatalogImport.objects.filter(pk=job.pk).update(
        processed_rows=job.processed_rows,
        created_count=job.created_count,
        updated_count=job.updated_count,
        error_count=job.error_count,
        errors=job.errors,
    )


def _finish(job: CatalogImport, *, status: str, message: str = "") -> None:
    job.status, job.finished_at, job.message = status, timezone.now(), message
    job.save()


def _export_row(variant: ProductVariant, currency: str) -> dict[str, str]:
    product = variant.product
    options = {option.position: option.name for option in product.options.all()}
    row = {
        "handle": product.slug,
        "title": product.title,
        "description": product.description,
        "status": product.status,
        "tags": ", ".join(tag.name for tag in product.tags.all()),
        "seo_title": product.seo_title,
        "seo_description": product.seo_description,
        "sku": variant.sku,
        "price": format_amount(variant.price, currency=currency),
        "compare_at_price": format_amount(variant.compare_at_price, currency=currency)
        if variant.compare_at_price is not None
        else "",
        "track_inventory": "true" if variant.track_inventory else "false",
        "continue_selling_when_out_of_stock": "true" if variant.continue_selling_when_out_of_stock else "false",
        "stock": str(variant.stock),
        "weight_grams": str(variant.weight_grams),
    }
    for n in (1, 2, 3):
        row[f"option{n}_name"] = options.get(n, "")
        row[f"option{n}_value"] = getattr(variant, f"option{n}")
    for text in product.translations.all():
        row[f"title:{text.language}"] = text.title
        row[f"description:{text.language}"] = text.description
    return row
