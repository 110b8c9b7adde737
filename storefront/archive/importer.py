"""Read a store archive: check it whole before anything is written, then load its rows and media into a new store."""

import json
import stat
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, models
from django.utils.translation import gettext_noop

from storefront.customers.marketplace import forget_every_marketplace_link
from tenants.connection import connection
from tenants.schema_pool import tenant_migrations_fingerprint
from tenants.storage import write_store_media

from .format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    MEDIA_PREFIX,
    ArchiveError,
    archived_models,
    check_member_name,
    data_member,
    from_json_value,
    limit,
    sha256_hex,
)

Report = Callable[[int, str], None]
INSERT_BATCH = 500


class CheckedArchive:
    """An archive whose every member was checked against its manifest; open it with check_archive()."""

    def __init__(self, zip_file: zipfile.ZipFile, manifest: dict) -> None:
        self.zip_file = zip_file
        self.manifest = manifest

    @property
    def store(self) -> dict:
        return self.manifest["store"]

    def media_members(self) -> list[str]:
        return sorted(name for name in self.manifest["files"] if name.startswith(MEDIA_PREFIX))

    def close(self) -> None:
        self.zip_file.close()


def check_archive(path: Path) -> CheckedArchive:
    """Open and check the archive at ``path``; raise ArchiveError with a clear message when it is refused.

    Refused: not a zip, too big (packed or unpacked), too many files, an unsafe or unexpected path, a link,
    another format version, other tenant migrations than this platform's, a missing, extra or altered file.
    """
    if path.stat().st_size > limit("MAX_ARCHIVE_BYTES"):
        raise ArchiveError(f"The archive is larger than {limit('MAX_ARCHIVE_BYTES')} bytes; it was refused.")
    try:
        zip_file = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError("This file is not a store archive (it is not a zip file).") from error
    try:
        manifest = _check_members_and_manifest(zip_file)
    except Exception:
        zip_file.close()
        raise
    return CheckedArchive(zip_file, manifest)


def _check_members_and_manifest(zip_file: zipfile.ZipFile) -> dict:
    members = [info for info in zip_file.infolist() if not info.is_dir()]
    if len(members) > limit("MAX_MEMBERS"):
        raise ArchiveError(f"The archive holds more than {limit('MAX_MEMBERS')} files; it was refused.")
    if sum(info.file_size for info in members) > limit("MAX_UNPACKED_BYTES"):
        raise ArchiveError(f"The archive unpacks to more than {limit('MAX_UNPACKED_BYTES')} bytes; it was refused.")
    names = set()
    for info in zip_file.infolist():
        check_member_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError(f"The archive holds a link ({info.filename!r}); it was refused.")
        if info.filename in names:
            raise ArchiveError(f"The archive holds {info.filename!r} twice; it was refused.")
        names.add(info.filename)
    if MANIFEST_NAME not in names:
        raise ArchiveError("The archive has no manifest.json; it is not a store archive.")
    try:
        manifest = json.loads(zip_file.read(MANIFEST_NAME))
    except (ValueError, zipfile.BadZipFile) as error:
        raise ArchiveError("The archive's manifest.json is not valid JSON.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ArchiveError("The archive's manifest.json is not a Mercato store archive manifest.")
    if manifest.get("version") != FORMAT_VERSION:
        raise ArchiveError(
            f"The archive is in format version {manifest.get('version')!r}; this platform reads version "
            f"{FORMAT_VERSION} only."
        )
    fingerprint = (manifest.get("migrations") or {}).get("fingerprint")
    if fingerprint != tenant_migrations_fingerprint():
        raise ArchiveError(
            f"The archive was made with other store tables (migrations fingerprint {str(fingerprint)[:12]}…) than "
            f"this platform's ({tenant_migrations_fingerprint()[:12]}…). Import it on a platform running the "
            "same Mercato version."
        )
    expected = {model._meta.label_lower: model for model in archived_models()}
    listed = manifest.get("models") or {}
    if set(listed) != set(expected):
        missing, extra = sorted(set(expected) - set(listed)), sorted(set(listed) - set(expected))
        raise ArchiveError(f"The archive's models don't match this platform's (missing {missing}, unknown {extra}).")
    checksums = {entry["file"]: entry["sha256"] for entry in listed.values()}
    checksums.update(manifest.get("files") or {})
    for label, model in expected.items():
        if listed[label]["file"] != data_member(model):
            raise ArchiveError(f"The archive's manifest names an unexpected file for {label}.")
    if set(checksums) != names - {MANIFEST_NAME}:
        unlisted = sorted(names - {MANIFEST_NAME} - set(checksums))[:5]
        absent = sorted(set(checksums) - names)[:5]
        raise ArchiveError(f"The archive's files don't match its manifest (not listed {unlisted}, missing {absent}).")
    for name, digest in checksums.items():
        try:
            data = zip_file.read(name)
        except (zipfile.BadZipFile, OSError) as error:  # a damaged member fails its own CRC check
            raise ArchiveError(f"The archive's file {name!r} is damaged.") from error
        if sha256_hex(data) != digest:
            raise ArchiveError(f"The archive's file {name!r} was changed after the export (its checksum differs).")
    return manifest


def load_rows(archive: CheckedArchive, *, report: Report, start: int, end: int) -> dict[str, int]:
    """Replace every archived table of the current schema with the archive's rows, primary keys kept.

    Runs inside the caller's transaction: the new store's default content is removed first, and a failure
    anywhere leaves the caller free to roll the whole store back. Returns rows loaded per model.
    """
    model_list = archived_models()
    schema = connection.schema_name
    tables = ", ".join(f'"{schema}"."{model._meta.db_table}"' for model in model_list)
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction (the default pages) have deferred checks pending, which
        # PostgreSQL would refuse to truncate under; running them now clears the way.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {tables}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    loaded: dict[str, int] = {}
    for index, model in enumerate(model_list):
        report(start + (end - start) * index // len(model_list), gettext_noop("Loading the store's data"))
        try:
            document = json.loads(archive.zip_file.read(data_member(model)))
        except ValueError as error:
            raise ArchiveError(f"The archive's {data_member(model)} is not valid JSON.") from error
        loaded[model._meta.label_lower] = _insert_rows(model, document)
        expected = archive.manifest["models"][model._meta.label_lower]["rows"]
        if loaded[model._meta.label_lower] != expected:
            raise ArchiveError(f"The archive's {model._meta.label_lower} rows don't match the manifest's count.")
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(statement)
        try:
            # Check every reference now, so a broken archive fails here with a clear message, not at commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        except DatabaseError as error:
            raise ArchiveError(f"The archive's rows refer to rows it doesn't hold: {error}".strip()[:480]) from error
    # A customer is linked to a marketplace account only by that buyer's own sign-in on this store, never by a file.
    forget_every_marketplace_link()
    return loaded


def _insert_rows(model: type[models.Model], document: dict) -> int:
    fields = model._meta.concrete_fields
    names = [field.attname for field in fields]
    if not isinstance(document, dict) or document.get("fields") != names:
        raise ArchiveError(f"The archive's columns for {model._meta.label_lower} differ from this platform's.")
    # A concrete field always has its column (only non-concrete ones have None).
    columns = ", ".join(connection.ops.quote_name(cast(str, field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model definitions, never from the archive.
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    rows = document.get("rows") or []
    try:
        with connection.cursor() as cursor:
            for start in range(0, len(rows), INSERT_BATCH):
                batch = [_db_values(fields, row) for row in rows[start : start + INSERT_BATCH]]
                cursor.executemany(sql, batch)
    except (DatabaseError, ValueError, TypeError, ValidationError) as error:
        raise ArchiveError(
            f"The archive's {model._meta.label_lower} rows could not be loaded: {error}"[:480]
        ) from error
    return len(rows)


def _db_values(fields: Sequence[models.Field], row: list) -> list:
    if len(row) != len(fields):
        raise ValueError("a row has the wrong number of columns")
    # Straight to SQL (no save()): auto_now fields and the like keep the archived values.
    return [
        field.get_db_prep_save(from_json_value(field, value), connection)
        for field, value in zip(fields, row, strict=True)
    ]


def unpack_media(archive: CheckedArchive, *, schema_name: str, report: Report, start: int, end: int) -> int:
    """Write the archive's media files as the store ``schema_name``'s (which has none yet); returns how many."""
    members = archive.media_members()
    for index, name in enumerate(members):
        if index % 50 == 0:
            report(start + (end - start) * index // max(len(members), 1), gettext_noop("Copying media files"))
        try:
            write_store_media(schema_name, name[len(MEDIA_PREFIX) :], archive.zip_file.read(name))
        except ValueError as error:  # check_member_name already refused this; belt and braces
            raise ArchiveError(f"The archive holds a file with an unsafe path ({name!r}).") from error
    return len(members)


def check_migrations_applied(archive: CheckedArchive) -> None:
    """Refuse the archive unless the new schema has applied exactly the tenant migrations the exported one had."""
    from django.apps import apps
    from django.conf import settings

    labels = {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        here = {(app, name) for app, name in cursor.fetchall() if app in labels}
    applied = (archive.manifest.get("migrations") or {}).get("applied") or []
    there = {(app, name) for app, name in applied if app in labels}
    if here != there:
        missing, extra = sorted(here - there)[:3], sorted(there - here)[:3]
        raise ArchiveError(
            f"The archive's store tables were at other migrations than this platform's (this platform also has "
            f"{missing}, the archive also has {extra}). Import it on a platform running the same Mercato version."
        )
