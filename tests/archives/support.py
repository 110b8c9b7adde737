"""Reading a store's schema back for comparisons: every archived model's rows, and its media files."""

from pathlib import Path

from django.conf import settings
from django_tenants.utils import schema_context

from storefront.archive.format import archived_models


def rows_by_model(schema_name: str) -> dict[str, list[tuple]]:
    """Every column of every row of every archived model, ordered by primary key."""
    with schema_context(schema_name):
        return {
            model._meta.label_lower: list(
                model._base_manager.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields])
            )
            for model in archived_models()
        }


def media_files(schema_name: str) -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT) / schema_name
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}
