"""Stores' uploads in an S3-compatible bucket, each store under its own prefix (MERCATO_MEDIA_S3_BUCKET, docs/media.md).

A module of its own so that boto3 (most of a second to import) is loaded only by installations that use it.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage

from tenants.connection import connection


class StoreS3Storage(S3Storage):
    """django-storages' S3 backend with each key under ``<location>/<current schema>/``.

    ``location`` (MERCATO_MEDIA_S3_PREFIX) is the bucket-wide prefix; the schema is read at each call, like the
    file-system storage does, so a task or request saves into the store it runs for.
    """

    _base_location = ""

    @property
    def location(self) -> str:
        return self.prefix_of(connection.schema_name).rstrip("/")

    @location.setter
    def location(self, value: str) -> None:
        self._base_location = (value or "").strip("/")

    def prefix_of(self, schema_name: str) -> str:
        """The key prefix of one store's files, ending in "/" so that ``store_a/`` never matches ``store_ab/``."""
        if not schema_name or "/" in schema_name or schema_name in (".", ".."):
            raise ValueError(f"not a schema name: {schema_name!r}")
        return f"{self._base_location}/{schema_name}/" if self._base_location else f"{schema_name}/"
