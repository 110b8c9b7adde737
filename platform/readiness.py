"""Whether this web process can serve traffic: PostgreSQL, Redis, the task broker and the applied migrations.

``/readyz`` (platform/views.py) answers from ``readiness()``; a load balancer takes a web process out while any
check fails and puts it back when all pass (docs/deploy.md). Each check is bounded by a short timeout, so a hung
dependency makes the answer "not ready", never a hung probe.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import redis
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name

from tenants.connection import connection
from tenants.models import Store

# Stores whose schema is checked for unapplied tenant migrations: the oldest and the newest open store. One query
# each; `migrate_schemas` goes through stores in order, so a run that stopped half-way shows in one of them.
SAMPLE_STORES = 2


def readiness() -> dict[str, str]:
    """Each check's name and "ok" or what is wrong, in a fixed order (PostgreSQL first: the others may need it)."""
    checks: dict[str, Callable[[], str]] = {
        "postgresql": _postgresql,
        "redis": _redis,
        "broker": _broker,
        "migrations": _migrations,
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        if name == "migrations" and results["postgresql"] != "ok":
            results[name] = "not checked: PostgreSQL is not ready"
            continue
        try:
            results[name] = check()
        except Exception as error:  # any failure of a dependency means "not ready", and says why
            results[name] = f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"[:300]
    return results


def _postgresql() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=settings.REDIS_TIMEOUT, socket_timeout=settings.REDIS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _broker() -> str:
    from platform.celery import app

    # Opening the default channel connects (kombu's Redis transport also PINGs); the transport options of the
    # settings bound it to MERCATO_BROKER_TIMEOUT.
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=settings.BROKER_TIMEOUT)
        broker.default_channel  # noqa: B018 - the attribute opens the channel
    return "ok"


def _migrations() -> str:
    shared, tenant = _expected_migrations()
    missing = shared - _applied(get_public_schema_name())
    problems = (
        [f"public schema lacks {len(missing)} migration(s), e.g. {'.'.join(sorted(missing)[0])}"] if missing else []
    )
    stores = Store.objects.filter(status=Store.Status.ACTIVE).order_by("created_at")
    sample = {store.schema_name for store in [stores.first(), stores.last()][:SAMPLE_STORES] if store is not None}
    for schema in sorted(sample):
        missing = tenant - _applied(schema)
        if missing:
            problems.append(
                f"store schema {schema} lacks {len(missing)} migration(s), e.g. {'.'.join(sorted(missing)[0])}"
            )
    return "; ".join(problems) or "ok"


@lru_cache(maxsize=1)
def _expected_migrations() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """The migrations on disk of the shared apps and of the store apps, read once per process."""
    loader = MigrationLoader(None, ignore_no_migrations=True)

    def labels(modules: list[str]) -> set[str]:
        return {config.label for config in apps.get_app_configs() if config.name in modules}

    shared, tenant = labels(settings.SHARED_APPS), labels(settings.TENANT_APPS)
    # A squashed migration stands for those it replaces; either form may be the one recorded as applied.
    replaced = {key for migration in loader.disk_migrations.values() for key in migration.replaces}
    on_disk = {key for key in loader.disk_migrations if key not in replaced}
    return (
        frozenset(key for key in on_disk if key[0] in shared),
        frozenset(key for key in on_disk if key[0] in tenant),
    )


def _applied(schema: str) -> set[tuple[str, str]]:
    table = f"{connection.ops.quote_name(schema)}.django_migrations"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT app, name FROM {table}")  # noqa: S608 - a quoted schema name of our own
            return {(app, name) for app, name in cursor.fetchall()}
    except DatabaseError:
        return set()
