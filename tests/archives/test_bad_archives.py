"""Archives that are damaged, altered, from another version or hostile are refused whole: no store is left."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_exists

from tenants.archives import services as archives
from tenants.models import Store, StoreArchive

SLUG = "from-archive"


@pytest.fixture
def good_archive(store_a, archive_root) -> Path:
    export = archives.start_export(store=store_a, actor=None, background=False)
    assert export.status == StoreArchive.Status.DONE, export.error
    return archives.archive_file(export)


def _rewrite(source: Path, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(buffer, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, (replace or {}).get(info.filename, old.read(info.filename)))
        for name, data in (add or {}).items():
            new.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def _manifest(source: Path, **changes) -> bytes:
    with zipfile.ZipFile(source) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    for key, value in changes.items():
        target = manifest
        *path, last = key.split("__")
        for part in path:
            target = target[part]
        target[last] = value
    return json.dumps(manifest).encode()


def _import(data: bytes) -> StoreArchive:
    return archives.start_import(source=io.BytesIO(data), slug=SLUG, actor=None, background=False)


def _assert_refused(result: StoreArchive, message: str) -> None:
    assert result.status == StoreArchive.Status.FAILED
    assert message in result.error, result.error
    assert not Store.objects.filter(slug=SLUG).exists()
    assert not schema_exists("store_from_archive")
    assert not (Path(settings.MEDIA_ROOT) / "store_from_archive").exists()


def test_a_changed_data_file_is_refused(good_archive):
    with zipfile.ZipFile(good_archive) as archive:
        products = archive.read("data/catalog.product.json").replace(b"Alpha Trail Tent", b"Alpha Trail Tint")
    _assert_refused(_import(_rewrite(good_archive, replace={"data/catalog.product.json": products})), "was changed")


def test_another_format_version_is_refused(good_archive):
    data = _rewrite(good_archive, replace={"manifest.json": _manifest(good_archive, version=99)})
    _assert_refused(_import(data), "format version 99")


def test_other_migrations_are_refused(good_archive):
    data = _rewrite(good_archive, replace={"manifest.json": _manifest(good_archive, migrations__fingerprint="0" * 64)})
    _assert_refused(_import(data), "migrations fingerprint")


@pytest.mark.parametrize("name", ["media/../../../escape.txt", "../escape.txt", "/etc/escape", "media\\..\\x.txt"])
def test_a_path_outside_the_store_is_refused(good_archive, name):
    _assert_refused(_import(_rewrite(good_archive, add={name: b"boo"})), "unsafe path")
    assert not (Path(settings.MEDIA_ROOT).parent / "escape.txt").exists()


def test_a_file_missing_from_the_manifest_is_refused(good_archive):
    _assert_refused(_import(_rewrite(good_archive, add={"media/extra.png": b"x"})), "don't match its manifest")


def test_an_archive_that_unpacks_too_big_is_refused(good_archive, settings):
    settings.STORE_ARCHIVE_MAX_UNPACKED_BYTES = 1000
    _assert_refused(_import(good_archive.read_bytes()), "unpacks to more than 1000 bytes")


def test_not_a_zip_is_refused(db, archive_root):
    _assert_refused(_import(b"just some text"), "not a zip file")


def test_an_upload_over_the_size_limit_is_refused_before_a_job(store_a, archive_root, settings):
    settings.STORE_ARCHIVE_MAX_ARCHIVE_BYTES = 10
    with pytest.raises(ValidationError, match="larger than 10 bytes"):
        _import(b"x" * 100)
    assert not StoreArchive.objects.filter(store_slug=SLUG).exists()
    assert not any((archive_root / "imports").iterdir())


def test_a_taken_subdomain_is_refused_before_a_job(good_archive):
    with pytest.raises(ValidationError, match="already taken"):
        archives.start_import(source=good_archive.open("rb"), slug="beta", actor=None, background=False)
