"""A pool of empty, migrated store schemas, so a signup renames one (milliseconds) instead of migrating (seconds).

Each pooled schema records the tenant migrations it was built with; only schemas built with the current
migrations are claimed, and the refill drops the others. A claimed schema is exactly a freshly migrated one
under a new name (tests compare them table by table).
"""

import hashlib
import logging
import secrets
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

from tenants.connection import connection

from .models import ReadySchema, Store

logger = logging.getLogger(__name__)

POOL_PREFIX = "pool_"


@lru_cache(maxsize=1)
def tenant_migrations_fingerprint() -> str:
    """A hash of every tenant app's migration names, read from disk."""
    # App labels, not module names: an app may set its own label (the store API's is "store_api").
    labels = {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(key for key in loader.disk_migrations if key[0] in labels)
    return hashlib.sha256(repr(names).encode()).hexdigest()


def create_migrated_schema(schema_name: str) -> None:
    """CREATE SCHEMA and run every tenant migration in it (the slow way, about a second)."""
    Store(schema_name=schema_name).create_schema(check_if_exists=False, verbosity=0)
    connection.set_schema_to_public()


TEMPLATE_SCHEMA = "template_store"


def create_cloned_schema(schema_name: str) -> None:
    """Copy the migrated template schema (django-tenants' clone function), the second way compared in
    bench/provisioning.py; it is not used for signups, as the pool beats it (docs/provisioning.md)."""
    from django_tenants.clone import CloneSchema

    if not schema_exists(TEMPLATE_SCHEMA):
        create_migrated_schema(TEMPLATE_SCHEMA)
    CloneSchema().clone_schema(TEMPLATE_SCHEMA, schema_name, clone_mode="DATA")
    connection.set_schema_to_public()


def build_ready_schema() -> ReadySchema:
    """Make one pooled schema; it is either complete and recorded, or gone."""
    schema_name = POOL_PREFIX + secrets.token_hex(6)
    with transaction.atomic():
        create_migrated_schema(schema_name)
        return ReadySchema.objects.create(
            schema_name=schema_name, migrations_fingerprint=tenant_migrations_fingerprint()
        )


def ready_schema_count() -> int:
    """How many pooled schemas a signup could claim now (built with the current migrations)."""
    return ReadySchema.objects.filter(migrations_fingerprint=tenant_migrations_fingerprint()).count()


def pool_has_ready_schema() -> bool:
    return ReadySchema.objects.filter(migrations_fingerprint=tenant_migrations_fingerprint()).exists()


def claim_ready_schema(new_schema_name: str) -> bool:
    """Rename a current pooled schema to ``new_schema_name``; False when the pool has none.

    Must run inside the caller's transaction: if the caller fails later, the rename is rolled back and the
    schema is back in the pool.
    """
    assert connection.in_atomic_block, "claim_ready_schema must run inside a transaction"
    entry = (
        ReadySchema.objects.select_for_update(skip_locked=True)
        .filter(migrations_fingerprint=tenant_migrations_fingerprint())
        .first()
    )
    if entry is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{entry.schema_name}" RENAME TO "{new_schema_name}"')
    entry.delete()
    return True


def refill_pool(*, size: int | None = None) -> int:
    """Drop pooled schemas built for old migrations and top the pool up to ``size``; returns schemas built."""
    size = settings.SCHEMA_POOL_SIZE if size is None else size
    current = tenant_migrations_fingerprint()
    stale = ReadySchema.objects.exclude(migrations_fingerprint=current)
    if not stale.exists() and ReadySchema.objects.count() >= size:
        return 0
    # One refill at a time: concurrent ones would overfill the pool.
    if not cache.add("tenants:schema-pool-refill", "1", timeout=600):
        return 0
    built = 0
    try:
        for entry in stale:
            drop_pooled_schema(entry)
        while ReadySchema.objects.count() < size:
            build_ready_schema()
            built += 1
    finally:
        cache.delete("tenants:schema-pool-refill")
    if built:
        logger.info("schema pool: built %d schema(s)", built)
    return built


def drop_pooled_schema(entry: ReadySchema) -> None:
    with transaction.atomic():
        if schema_exists(entry.schema_name):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{entry.schema_name}" CASCADE')
        entry.delete()
