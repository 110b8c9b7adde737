"""Changes to pods: adding one from its configured database (its schema prerequisites included), opening, closing,
and moving a store from one pod to another."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone

from storefront.page_cache import invalidate_store_pages
from tenants.host_cache import LOCAL_SECONDS, forget_store_hosts
from tenants.models import Pod, Store
from tenants.schema_pool import create_migrated_schema

from . import copying
from .config import POD_NAME, PodNotConfigured, alias_for, ensure_pod_database
from .routing import database_of, on_a_pod, using_database

logger = logging.getLogger(__name__)

# Store schemas use these extensions from the public schema (trigram indexes for search); the platform database
# gets them from the directory's migration, a pod from here.
POD_EXTENSIONS = ("pg_trgm",)


def prepare_pod_database(alias: str) -> None:
    """Install what store schemas need on a pod's database; safe to run again."""
    with connections[alias].cursor() as cursor:
        for extension in POD_EXTENSIONS:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension} WITH SCHEMA public")


def add_pod(*, name: str, is_open: bool = True) -> Pod:
    """Record the pod ``name`` (configured by MERCATO_POD_<NAME>_URL) so stores can be placed on it."""
    if not POD_NAME.match(name):
        raise ValidationError({"name": "Use lowercase letters, digits and underscores, starting with a letter."})
    alias = alias_for(name)
    try:
        ensure_pod_database(alias)
    except PodNotConfigured as error:
        raise ValidationError({"name": str(error)}) from error
    prepare_pod_database(alias)
    pod, _ = Pod.objects.update_or_create(name=name, defaults={"database_alias": alias, "is_open": is_open})
    return pod


def set_pod_open(*, pod: Pod, is_open: bool) -> Pod:
    """Open a pod to new stores, or close it (its stores keep being served)."""
    Pod.objects.filter(pk=pod.pk).update(is_open=is_open)
    pod.is_open = is_open
    return pod


# How long a move waits for the store's running writes to finish before it gives up (the store stays where it is).
MOVE_LOCK_TIMEOUT = "10s"


class MoveFailed(Exception):
    """A move that was given up: the store is still served from its old pod, and nothing of it is on the target."""


@dataclass(frozen=True)
class MoveReport:
    store: str
    source: str  # "platform" or the pod's name
    target: str
    tables: int
    rows: int
    sequences: int
    seconds: float  # from the read-only flag set to cleared: how long the store refused writes
    schema_seconds: float  # making the schema on the target by the migrations
    copy_seconds: float  # the rows, sequences and both sides' counts


def _place_name(pod: Pod | None) -> str:
    return pod.name if pod is not None else "platform"


def move_store(*, store: Store, to_pod: Pod | None) -> MoveReport:
    """Move ``store``'s schema to ``to_pod`` (None: the platform database) and serve it from there.

    The store is read-only for buyers and sellers meanwhile (writes get a "being moved" 503). Its tables are
    SHARE-locked on the old pod, its schema is made on the target by the migrations and filled by COPY, table by
    table, in one transaction there, and the rows are counted on both sides. The target commits, then the platform
    switches ``Store.pod`` in one transaction, then the old schema is dropped. A failure before the switch leaves
    the store on its old pod with nothing on the target (docs/scaling.md, "Moving a store to another pod").
    """
    if on_a_pod():
        raise RuntimeError("move_store runs from the platform, not inside a store's pod scope")
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        # Its steps commit one after the other (the flag first, for other processes to see): none can wait.
        raise RuntimeError("move_store commits as it goes: call it outside a transaction")
    store = Store.objects.select_related("pod").get(pk=store.pk)
    source_name, target_name = _place_name(store.pod), _place_name(to_pod)
    if store.pod_id == (to_pod.pk if to_pod is not None else None):
        raise ValidationError({"pod": f"{store.slug} is already on {target_name}."})
    if store.status == Store.Status.PROVISIONING:
        raise ValidationError({"store": f"{store.slug} is still being made; move it once it is active."})
    source = database_of(store)
    target = DEFAULT_DB_ALIAS
    if to_pod is not None:
        ensure_pod_database(to_pod.database_alias)
        target = to_pod.database_alias
    # Marked read-only first, alone: the flag must be committed for other processes to refuse writes.
    marked = Store.objects.filter(pk=store.pk, moving_since__isnull=True).update(moving_since=timezone.now())
    if not marked:
        raise ValidationError({"store": f"{store.slug} is already being moved."})
    forget_store_hosts(store)
    started = time.monotonic()
    try:
        # Processes that looked the host up just before keep the old answer this long (tenants/host_cache.py).
        time.sleep(LOCAL_SECONDS)
        tables, rows, sequences, phases = _copy_and_switch(store, source=source, target=target, to_pod=to_pod)
    except Exception as error:
        # Whatever failed (a copy check, the database, a migration), the platform still points at the old schema.
        logger.warning("moving store %s from %s to %s failed: %s", store.slug, source_name, target_name, error)
        raise MoveFailed(f"{store.slug} stays on {source_name}: {str(error).strip()}") from error
    finally:
        with transaction.atomic():
            Store.objects.filter(pk=store.pk).update(moving_since=None)
            forget_store_hosts(store)
    seconds = time.monotonic() - started
    logger.info("moved store %s from %s to %s: %d rows in %.1f s", store.slug, source_name, target_name, rows, seconds)
    return MoveReport(store.slug, source_name, target_name, tables, rows, sequences, seconds, *phases)


def _copy_and_switch(
    store: Store, *, source: str, target: str, to_pod: Pod | None
) -> tuple[int, int, int, tuple[float, float]]:
    schema = store.schema_name
    source_connection = connections[source]
    # The source's transaction holds the store's tables until the old schema is dropped, after the switch.
    with transaction.atomic(using=source), source_connection.cursor() as source_cursor:
        source_cursor.execute(f"SET LOCAL lock_timeout = '{MOVE_LOCK_TIMEOUT}'")
        tables = copying.tables_of(source_cursor, schema)
        if not tables:
            raise copying.CopyError(f"schema {schema} has no tables on the source")
        copying.lock_for_copy(source_cursor, schema, tables)
        source_counts = copying.count_rows(source_cursor, schema, tables)
        sequences, phases = _fill_target(source_cursor, target, schema, tables, source_counts)
        try:
            with transaction.atomic(), connections[DEFAULT_DB_ALIAS].cursor() as platform_cursor:
                # Not waiting long on a platform row while holding the store's tables on another server.
                platform_cursor.execute(f"SET LOCAL lock_timeout = '{MOVE_LOCK_TIMEOUT}'")
                Store.objects.filter(pk=store.pk).update(pod=to_pod, moving_since=None, updated_at=timezone.now())
                forget_store_hosts(store)
                invalidate_store_pages(schema_name=schema)
        except BaseException:
            # The store still points at its old schema: the copy on the target must not stay behind.
            _drop_schema(target, schema)
            raise
        # Processes with the old answer cached still read the old schema for this long (writes they refuse).
        time.sleep(LOCAL_SECONDS)
        try:
            with transaction.atomic(using=source):
                source_cursor.execute(f"DROP SCHEMA {copying.quoted(schema)} CASCADE")
        except DatabaseError:
            # The store is served from its new pod already: an orphaned schema, logged, as after a failed purge.
            logger.exception("moved store %s, but its old schema on %s could not be dropped", store.slug, source)
    return len(tables), sum(source_counts.values()), sequences, phases


def _fill_target(
    source_cursor: Any, target: str, schema: str, tables: dict[str, copying.Table], source_counts: dict[str, int]
) -> tuple[int, tuple[float, float]]:
    """Make ``schema`` on ``target`` and copy the rows into it, in one transaction there that commits only if
    every table's count matches the source's."""
    target_connection = connections[target]
    with transaction.atomic(using=target), using_database(target):
        with target_connection.cursor() as target_cursor:
            target_cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
            if target_cursor.fetchone() is not None:
                # Never overwritten, never dropped by us: it may be another store's, or a failed move's to inspect.
                raise copying.CopyError(f"a schema called {schema} already exists on the target")
        started = time.monotonic()
        create_migrated_schema(schema)
        migrated = time.monotonic()
        with target_connection.cursor() as target_cursor:
            copying.check_same_tables(tables, copying.tables_of(target_cursor, schema))
            copied = copying.copy_rows(source_cursor, target_cursor, schema, tables)
            sequences = copying.copy_sequences(source_cursor, target_cursor, schema)
            copying.check_counts(source_counts, copying.count_rows(target_cursor, schema, tables), copied)
            # Deferred foreign keys are checked now rather than at the commit, where a failure would be less clear.
            target_cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return sequences, (migrated - started, time.monotonic() - migrated)


def _drop_schema(database: str, schema: str) -> None:
    if not schema.startswith("store_"):
        raise ValueError(f"refusing to drop schema {schema!r}")
    try:
        with transaction.atomic(using=database), connections[database].cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {copying.quoted(schema)} CASCADE")
    except DatabaseError:
        logger.exception("could not drop the copy of schema %s on %s", schema, database)
