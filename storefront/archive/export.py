"""Write the current store's schema (every archived model, the people's CSVs and its media) to one zip file."""

import csv
import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_noop

from tenants.connection import connection
from tenants.schema_pool import tenant_migrations_fingerprint
from tenants.storage import read_store_media, store_media_names

from .format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    MEDIA_PREFIX,
    SKIPPED_MODELS,
    archived_models,
    csv_cell,
    data_member,
    sha256_hex,
    to_json_value,
)

# (percent 0-100, what is being done) — the caller saves it where the person waiting can see it.
Report = Callable[[int, str], None]

DATA_SHARE = 80  # percent of the progress bar for the rows; the CSVs and media share the rest
ROWS_PER_REPORT = 2000


def write_store_archive(*, destination: Path, store_name: str, store_slug: str, report: Report) -> dict:
    """Write the archive of the store whose schema the connection is on to ``destination``; returns the manifest.

    The caller runs this in one REPEATABLE READ transaction, so every table is read as of the same moment and
    the rows of the archive always agree with each other (an order line never refers to a missing order).
    """
    schema_name = connection.schema_name
    model_list = archived_models()
    total_rows = sum(model._base_manager.count() for model in model_list) or 1
    manifest: dict = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "store": {"name": store_name, "slug": store_slug, "currency": _currency(), "schema_name": schema_name},
        "migrations": {"fingerprint": tenant_migrations_fingerprint(), "applied": _applied_migrations()},
        "models": {},
        "files": {},
        "skipped_models": SKIPPED_MODELS,
    }
    partial = destination.with_name(destination.name + ".partial")
    done_rows = 0
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for model in model_list:
            report(DATA_SHARE * done_rows // total_rows, gettext_noop("Writing the store's data"))
            body, count = _model_rows(model)
            member = data_member(model)
            archive.writestr(member, body)
            manifest["models"][model._meta.label_lower] = {"file": member, "rows": count, "sha256": sha256_hex(body)}
            done_rows += count
        report(DATA_SHARE, gettext_noop("Writing the CSV files"))
        for member, body in _people_csvs():
            archive.writestr(member, body)
            manifest["files"][member] = sha256_hex(body)
        report(DATA_SHARE + 5, gettext_noop("Copying media files"))
        for member, digest in _write_media(archive, schema_name):
            manifest["files"][member] = digest
        report(98, gettext_noop("Writing the manifest"))
        archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True).encode())
    os.replace(partial, destination)
    return manifest


def _model_rows(model: type[models.Model]) -> tuple[bytes, int]:
    """The model's data file: its column names once, then one JSON array per row, ordered by primary key."""
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    lines = []
    for values in model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=ROWS_PER_REPORT):
        lines.append(json.dumps([to_json_value(value) for value in values], ensure_ascii=False))
    header = json.dumps({"model": model._meta.label_lower, "fields": names})[:-1]
    body = header + ', "rows": [\n' + ",\n".join(lines) + "\n]}\n"
    return body.encode(), len(lines)


def _write_media(archive: zipfile.ZipFile, schema_name: str) -> list[tuple[str, str]]:
    """Copy every file of the store (from its media folder or its S3 prefix) into the archive."""
    written: list[tuple[str, str]] = []
    for name in store_media_names(schema_name):
        member = MEDIA_PREFIX + name
        data = read_store_media(schema_name, name)
        archive.writestr(member, data, compress_type=zipfile.ZIP_STORED)
        written.append((member, sha256_hex(data)))
    return written


def _currency() -> str:
    from storefront.themes.models import StoreProfile

    profile = StoreProfile.objects.first()
    return profile.currency if profile else ""


def _applied_migrations() -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [list(row) for row in cursor.fetchall()]


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[csv_cell(value) for value in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def _people_csvs() -> list[tuple[str, bytes]]:
    csvs = [("data/products.csv", _products_csv()), ("data/orders.csv", _orders_csv())]
    customers = _customers_csv()
    if customers is not None:
        csvs.append(("data/customers.csv", customers))
    return csvs


def _customers_csv() -> bytes | None:
    """The store's buyer accounts, when the platform has them (never their password hashes)."""
    from django.apps import apps

    try:
        customer = apps.get_model("customers", "Customer")
    except LookupError:
        return None
    rows = [
        list(values)
        for values in customer._base_manager.order_by("pk").values_list("pk", "email", "name", "created_at")
    ]
    return _csv(["customer_id", "email", "name", "created_at"], rows)


def _products_csv() -> bytes:
    """One row per variant, with its product: the catalog as a seller reads it."""
    from storefront.catalog.models import ProductVariant

    header = ["product_id", "handle", "title", "status", "variant_id", "sku", "option1", "option2", "option3",
              "price", "compare_at_price", "stock", "weight_grams"]  # fmt: skip
    variants = ProductVariant.objects.select_related("product").order_by("product_id", "position", "pk")
    rows = [
        [v.product_id, v.product.slug, v.product.title, v.product.status, v.pk, v.sku, v.option1, v.option2,
         v.option3, v.price, v.compare_at_price, v.stock, v.weight_grams]
        for v in variants
    ]  # fmt: skip
    return _csv(header, rows)


def _orders_csv() -> bytes:
    """One row per order line, with its order: what was sold, to whom, for how much."""
    from storefront.orders.models import OrderLine

    header = ["order_id", "created_at", "status", "email", "currency", "order_total", "refunded_total",
              "sku", "title", "quantity", "unit_price", "line_total"]  # fmt: skip
    lines = OrderLine.objects.select_related("order").order_by("order_id", "pk")
    rows = [
        [line.order_id, line.order.created_at, line.order.status, line.order.email, line.order.currency,
         line.order.total, line.order.refunded_total, line.sku, line.title, line.quantity, line.unit_price,
         line.line_total]
        for line in lines
    ]  # fmt: skip
    return _csv(header, rows)
