"""Where stores' uploads live: MEDIA_ROOT/<schema name>/ by default, or <prefix>/<schema name>/ in an S3 bucket
(``tenants.s3_storage``).

Each store's files sit under a prefix of its own, on disk and in S3 alike, so exporting, importing and purging
a store's media (the functions at the end) touch exactly that store's files. docs/media.md.
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property
from django_tenants.files.storage import TenantFileSystemStorage

if TYPE_CHECKING:
    from tenants.s3_storage import StoreS3Storage


class StoreMediaStorage(TenantFileSystemStorage):
    """django-tenants' per-schema storage, which also notices when MEDIA_ROOT or MEDIA_URL change.

    The parent caches the per-store root and URL and (as of django-tenants 4.0) forgets them only when
    MULTITENANT_RELATIVE_MEDIA_ROOT changes, so a changed MEDIA_ROOT would silently keep writing to the old place.
    """

    def _clear_cached_properties(self, setting: str, **kwargs: object) -> None:
        # The stub lists only the settings the parent acts on; the signal hands it every setting that changed.
        FileSystemStorage._clear_cached_properties(self, setting, **kwargs)  # type: ignore[arg-type]
        if setting in ("MEDIA_ROOT", "MEDIA_URL", "MULTITENANT_RELATIVE_MEDIA_ROOT"):
            self.__dict__.pop("relative_media_root", None)
            self.__dict__.pop("relative_media_url", None)

    @cached_property
    def relative_media_url(self) -> str:
        # The parent makes every MEDIA_URL a path ("/https:/media.…"); a media host of its own (docs/deploy.md)
        # keeps its scheme and host: https://media-host/<schema name>/.
        if settings.MEDIA_URL.startswith(("http://", "https://")):
            return settings.MEDIA_URL.rstrip("/") + "/" + settings.MULTITENANT_RELATIVE_MEDIA_ROOT.strip("/") + "/"
        return super().relative_media_url


# --- One store's media as a whole: archives and purges ---------------------------------------------------------


def _media_storage() -> Storage:
    return storages["default"]


def _s3(storage: Storage) -> StoreS3Storage | None:
    if "tenants.s3_storage" not in sys.modules:  # nothing made an S3 storage: boto3 is never imported for nothing
        return None
    from tenants.s3_storage import StoreS3Storage

    return storage if isinstance(storage, StoreS3Storage) else None


def _checked_name(name: str) -> str:
    """A relative media name (``products/mug.png``) that cannot step out of its store's folder or prefix."""
    normal = posixpath.normpath(name)
    if not name or normal != name or name.startswith("/") or normal == "." or normal.split("/")[0] == "..":
        raise ValueError(f"unsafe media name: {name!r}")
    return name


def _store_folder(schema_name: str) -> Path:
    if not schema_name or "/" in schema_name or schema_name in (".", ".."):
        raise ValueError(f"not a schema name: {schema_name!r}")
    return Path(settings.MEDIA_ROOT) / schema_name


def store_media_names(schema_name: str) -> list[str]:
    """Every file of the store, as names relative to its folder or prefix, sorted."""
    s3 = _s3(_media_storage())
    if s3 is not None:
        prefix = s3.prefix_of(schema_name)
        return sorted(item.key[len(prefix) :] for item in s3.bucket.objects.filter(Prefix=prefix))
    root = _store_folder(schema_name)
    if not root.is_dir():
        return []
    names = []
    for folder, _subfolders, files in os.walk(root, followlinks=False):
        for filename in files:
            path = Path(folder) / filename
            if path.is_symlink() or not path.is_file():
                continue  # a link could point outside the store's folder; only real files are the store's
            names.append(path.relative_to(root).as_posix())
    return sorted(names)


def read_store_media(schema_name: str, name: str) -> bytes:
    s3 = _s3(_media_storage())
    if s3 is not None:
        key = s3.prefix_of(schema_name) + _checked_name(name)
        return s3.bucket.Object(key).get()["Body"].read()
    return (_store_folder(schema_name) / _checked_name(name)).read_bytes()


def write_store_media(schema_name: str, name: str, data: bytes) -> None:
    """Write one file of the store at ``name`` (relative), replacing any there."""
    s3 = _s3(_media_storage())
    if s3 is not None:
        key = s3.prefix_of(schema_name) + _checked_name(name)
        extra: dict[str, Any] = {
            **s3.get_object_parameters(name),  # Cache-Control and the like, as an upload gets them
            "ContentType": mimetypes.guess_type(name)[0] or s3.default_content_type,
        }
        s3.bucket.put_object(Key=key, Body=data, **extra)
        return
    path = _store_folder(schema_name) / _checked_name(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def store_has_media(schema_name: str) -> bool:
    s3 = _s3(_media_storage())
    if s3 is not None:
        prefix = s3.prefix_of(schema_name)
        return any(True for _ in s3.bucket.objects.filter(Prefix=prefix).limit(1))
    return _store_folder(schema_name).exists()


def delete_store_media(schema_name: str) -> None:
    """Remove every file of the store, and nothing else (another store's prefix never starts with this one)."""
    s3 = _s3(_media_storage())
    if s3 is not None:
        # Deletes in batches of up to 1,000 keys, as S3 allows.
        s3.bucket.objects.filter(Prefix=s3.prefix_of(schema_name)).delete()
        return
    shutil.rmtree(_store_folder(schema_name), ignore_errors=True)
