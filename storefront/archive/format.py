"""The store archive format: which models go in, how values are written, and what a safe member name is.

An archive is a zip file::

    manifest.json                       format version, store, migrations fingerprint, rows and checksums
    data/<app_label.model>.json         every row of every archived model, primary keys included
    data/products.csv, data/orders.csv  the main tables for people (not read back on import)
    media/<path>                        every file under MEDIA_ROOT/<schema>/, at the same relative path
"""

import base64
import datetime
import decimal
import hashlib
import posixpath
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.duration import duration_iso_string

from platform.kit.spreadsheet import formula_safe

FORMAT_NAME = "mercato-store-archive"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATA_PREFIX = "data/"
MEDIA_PREFIX = "media/"

# Tenant models deliberately left out of an archive, and why. Every other model of every tenant app is written,
# so a model added later is archived without anyone remembering to list it (tests check the two lists cover all).
SKIPPED_MODELS: dict[str, str] = {
    # Sign-in sessions belong to the host and the user ids of the platform that made them; on another host or
    # platform they would be dead or, worse, point at someone else's account.
    "sessions.session": "sign-in sessions are tied to the old host and the old platform's accounts",
    # Made by the migrations themselves: the new schema already has exactly these rows (the fingerprint matches),
    # and no archived model refers to them.
    "contenttypes.contenttype": "made by the migrations of the new schema itself",
    # Credentials: a store made from an archive must not accept the keys of the store it came from, which may
    # still be running (only hashes are stored, so they couldn't be shown to the seller again anyway).
    "store_api.apitoken": "API tokens are credentials of the original store; the seller makes new ones",
}

# Refusals before anything is unpacked: a damaged or hostile archive must not fill the disk or the memory.
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_UNPACKED_BYTES = 8 * 1024**3
MAX_MEMBERS = 200_000


class ArchiveError(Exception):
    """The archive can't be written or read; the message is safe to show the person who asked."""


def limit(name: str) -> int:
    """A size limit, overridable by a setting of the same name prefixed with STORE_ARCHIVE_ (e.g. in tests)."""
    return int(getattr(settings, f"STORE_ARCHIVE_{name}", globals()[name]))


def archived_models() -> list[type[models.Model]]:
    """Every model stored in a store's schema except SKIPPED_MODELS, in a stable order."""
    found = []
    for config in apps.get_app_configs():
        if config.name not in settings.TENANT_APPS:
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.label_lower not in SKIPPED_MODELS and not model._meta.proxy and model._meta.managed:
                found.append(model)
    return sorted(found, key=lambda model: model._meta.label_lower)


def data_member(model: type[models.Model]) -> str:
    return f"{DATA_PREFIX}{model._meta.label_lower}.json"


def to_json_value(value: Any) -> Any:
    """A column value as JSON, losslessly (Django's own encoder cuts datetimes to milliseconds)."""
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def from_json_value(field: models.Field, value: Any) -> Any:
    """The inverse of to_json_value for one field: the Python value the field would hold."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return value  # already the decoded document
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(value)
    return field.to_python(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def check_member_name(name: str) -> None:
    """Refuse a zip member name that could land outside the folder it is unpacked into (zip-slip)."""
    bad = (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or _WINDOWS_DRIVE.match(name)
        or any(part in ("", ".", "..") for part in name.rstrip("/").split("/"))
        or posixpath.normpath(name) != name.rstrip("/")
    )
    if bad:
        raise ArchiveError(f"The archive holds a file with an unsafe path ({name[:200]!r}); it was refused.")
    if name != MANIFEST_NAME and not name.startswith((DATA_PREFIX, MEDIA_PREFIX)):
        raise ArchiveError(f"The archive holds an unexpected file ({name[:200]!r}); it was refused.")


def csv_cell(value: Any) -> str:
    """A cell for the people's CSV files; text a spreadsheet would run as a formula is quoted with '."""
    text = "" if value is None else str(to_json_value(value))
    return formula_safe(text) if isinstance(value, str) else text


def model_labels(models_: Iterable[type[models.Model]]) -> list[str]:
    return [model._meta.label_lower for model in models_]
