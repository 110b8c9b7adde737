"""Ready store schemas, whichever database they are on: the migrations they are built with, building one by
migration, and claiming one by rename. Nothing here knows about pods, so both the pool (tenants.schema_pool, which
keeps each database's pool stocked) and a move between pods (tenants.pods.services) use the same functions."""

import hashlib
import logging
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import connections, router
from django.db.migrations.loader import MigrationLoader
from django.db.models import QuerySet
from django_tenants.utils import schema_exists

from tenants.connection import connection

from .models import Pod, ReadySchema, Store

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def tenant_migrations_fingerprint() -> str:
    """A hash of every tenant app's migration names, read from disk."""
    # App labels, not module names: an app may set its own label (the store API's is "store_api").
    labels = {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = sorted(key for key in loader.disk_migrations if key[0] in labels)
    return hashlib.sha256(repr(names).encode()).hexdigest()


def create_migrated_schema(schema_name: str) -> None:
    """CREATE SCHEMA and run every tenant migration in it (the slow way, about a second) on this thread's
    "default" database."""
    Store(schema_name=schema_name).create_schema(check_if_exists=False, verbosity=0)
    connection.set_schema_to_public()


def pool_of(pod: Pod | None) -> QuerySet[ReadySchema]:
    """The pooled schemas of one database: ``pod``'s, or the platform's when None."""
    return ReadySchema.objects.filter(pod=pod)


def take_ready_schema(new_schema_name: str, *, pod: Pod | None = None) -> ReadySchema | None:
    """Rename a current pooled schema of ``pod`` (None: the platform) to ``new_schema_name`` and delete its row;
    returns that row (deleted, its fields kept), or None when that pool has none.

    The rename is in the transaction of this thread's "default" connection (``pod``'s database), the row's
    deletion in the platform's: both must be open. Where they are one transaction (the platform's pool) a later
    failure rolls both back; where they are two, see ``put_back_ready_schema``.
    """
    assert connection.in_atomic_block, "claiming a ready schema must run inside a transaction"
    assert connections[router.db_for_write(ReadySchema)].in_atomic_block, "the pool's rows need a transaction"
    candidates = (
        pool_of(pod).select_for_update(skip_locked=True).filter(migrations_fingerprint=tenant_migrations_fingerprint())
    )
    while (entry := candidates.first()) is not None:
        if schema_exists(entry.schema_name):
            with connection.cursor() as cursor:
                cursor.execute(f'ALTER SCHEMA "{entry.schema_name}" RENAME TO "{new_schema_name}"')
            entry.delete()
            return entry
        # Its rename on a pod committed but the platform's commit then failed: the row names nothing any more.
        logger.warning("schema pool: %s is gone from %s; dropping its row", entry.schema_name, pod or "the platform")
        entry.delete()
    return None


def claim_ready_schema(new_schema_name: str, *, pod: Pod | None = None) -> bool:
    """Rename a current pooled schema of ``pod`` (None: the platform) to ``new_schema_name``; False when that
    pool has none.

    Must run inside the caller's transactions, with this thread on ``pod``'s database (``pool_transaction``): if
    the caller fails later, the rename is rolled back and the schema is back in the pool.
    """
    return take_ready_schema(new_schema_name, pod=pod) is not None


def put_back_ready_schema(entry: ReadySchema) -> None:
    """Record again a pooled schema whose claim was rolled back on its pod after the deletion of its row had
    committed on the platform (a move whose target transaction was abandoned): the schema is there again, under
    its pool name and untouched, so it goes back to its pool rather than being left to nobody."""
    ReadySchema.objects.create(
        schema_name=entry.schema_name, migrations_fingerprint=entry.migrations_fingerprint, pod_id=entry.pod_id
    )
