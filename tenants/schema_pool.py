"""A pool of empty, migrated store schemas, so a signup renames one (milliseconds) instead of migrating (seconds).

Each pooled schema records the tenant migrations it was built with; only schemas built with the current
migrations are claimed, and the refill drops the others. A claimed schema is exactly a freshly migrated one
under a new name (tests compare them table by table).

Each database that receives new stores keeps a pool of its own: the platform's, and every open pod's. A pod's
pooled schemas are on the pod; their rows stay on the platform, each naming its pod, and a store placed on a pod
claims only that pod's (a schema can't be renamed from one server to another). A store moved to a database claims
from that database's pool the same way (tenants.pods.services.move_store).
"""

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_exists

from tenants.connection import connection

from .models import Pod, ReadySchema
from .pods.config import PodNotConfigured, ensure_pod_database, pods_configured
from .pods.routing import using_database

# What a ready schema is and how one is claimed live a layer down, where a move between pods can use them too.
from .ready_schemas import (
    claim_ready_schema,
    create_migrated_schema,
    pool_of,
    put_back_ready_schema,
    take_ready_schema,
    tenant_migrations_fingerprint,
)

__all__ = [
    "POOL_PREFIX",
    "TEMPLATE_SCHEMA",
    "build_ready_schema",
    "claim_ready_schema",
    "create_cloned_schema",
    "create_migrated_schema",
    "drop_pooled_schema",
    "pool_has_ready_schema",
    "pool_locations",
    "pool_of",
    "pool_transaction",
    "put_back_ready_schema",
    "ready_schema_count",
    "refill_pool",
    "take_ready_schema",
    "tenant_migrations_fingerprint",
]

logger = logging.getLogger(__name__)

POOL_PREFIX = "pool_"

TEMPLATE_SCHEMA = "template_store"


def create_cloned_schema(schema_name: str) -> None:
    """Copy the migrated template schema (django-tenants' clone function), the second way compared in
    bench/provisioning.py; it is not used for signups, as the pool beats it (docs/provisioning.md)."""
    from django_tenants.clone import CloneSchema

    if not schema_exists(TEMPLATE_SCHEMA):
        create_migrated_schema(TEMPLATE_SCHEMA)
    CloneSchema().clone_schema(TEMPLATE_SCHEMA, schema_name, clone_mode="DATA")
    connection.set_schema_to_public()


@contextmanager
def pool_transaction(pod: Pod | None) -> Iterator[None]:
    """A transaction on the platform (the pool's rows) and, for a pod, one on the pod (its schemas), inside which
    this thread's "default" connection is the pod's.

    Two servers, two transactions: the pod's commits just before the platform's. A failure before leaves nothing;
    a platform commit failing after it leaves a schema no row names (or a row whose schema was renamed away, which
    ``claim_ready_schema`` drops).
    """
    if pod is None:
        with transaction.atomic():
            yield
        return
    alias = pod.database_alias
    ensure_pod_database(alias)
    with transaction.atomic(), transaction.atomic(using=alias), using_database(alias):
        yield


def build_ready_schema(*, pod: Pod | None = None) -> ReadySchema:
    """Make one pooled schema on ``pod`` (None: the platform database); it is either complete and recorded, or
    gone."""
    schema_name = POOL_PREFIX + secrets.token_hex(6)
    with pool_transaction(pod):
        create_migrated_schema(schema_name)
        return ReadySchema.objects.create(
            schema_name=schema_name, migrations_fingerprint=tenant_migrations_fingerprint(), pod=pod
        )


def ready_schema_count() -> int:
    """How many pooled schemas signups could claim now (built with the current migrations), in every pool."""
    return ReadySchema.objects.filter(migrations_fingerprint=tenant_migrations_fingerprint()).count()


def pool_has_ready_schema(*, pod: Pod | None = None) -> bool:
    """Whether a store placed on ``pod`` (None: the platform database) would get a pooled schema now."""
    return pool_of(pod).filter(migrations_fingerprint=tenant_migrations_fingerprint()).exists()


def pool_locations() -> list[Pod | None]:
    """The databases whose pools the refill tops up: every open pod, or the platform's (None) when none is open
    (or no pod is configured), as new stores go there (tenants/pods/placement.py)."""
    if not pods_configured():
        return [None]
    return [*Pod.objects.filter(is_open=True).order_by("created_at", "pk")] or [None]


def refill_pool(*, size: int | None = None) -> int:
    """Drop pooled schemas built for old migrations and top each pool new stores may draw on up to ``size``
    (``pool_locations``); returns schemas built. A pod that can't be reached is skipped (logged)."""
    size = settings.SCHEMA_POOL_SIZE if size is None else size
    current = tenant_migrations_fingerprint()
    stale = ReadySchema.objects.exclude(migrations_fingerprint=current).select_related("pod")
    locations = pool_locations()
    if not stale.exists() and all(pool_of(pod).count() >= size for pod in locations):
        return 0
    # One refill at a time: concurrent ones would overfill the pools.
    if not cache.add("tenants:schema-pool-refill", "1", timeout=600):
        return 0
    built = 0
    try:
        for entry in stale:
            try:
                drop_pooled_schema(entry)
            except (DatabaseError, PodNotConfigured):
                logger.exception("schema pool: could not drop %s on %s", entry.schema_name, entry.pod or "platform")
        for pod in locations:
            try:
                while pool_of(pod).count() < size:
                    build_ready_schema(pod=pod)
                    built += 1
            except (DatabaseError, PodNotConfigured):
                logger.exception("schema pool: could not refill the pool of %s", pod or "the platform")
    finally:
        cache.delete("tenants:schema-pool-refill")
    if built:
        logger.info("schema pool: built %d schema(s)", built)
    return built


def drop_pooled_schema(entry: ReadySchema) -> None:
    """Drop a pooled schema on its own database, with its row."""
    with pool_transaction(entry.pod):
        if schema_exists(entry.schema_name):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{entry.schema_name}" CASCADE')
        entry.delete()
