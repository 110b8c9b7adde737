"""Changes to pods: adding one from its configured database (its schema prerequisites included), opening, closing,
and moving a store from one pod to another."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from storefront.page_cache import invalidate_store_pages
from tenants.host_cache import LOCAL_SECONDS, forget_store_hosts
from tenants.models import Pod, ReadySchema, Store
from tenants.ready_schemas import create_migrated_schema, put_back_ready_schema, take_ready_schema

from . import copying
from .config import POD_NAME, PodNotConfigured, alias_for, ensure_pod_database
from .routing import PLATFORM_ALIAS, database_of, on_a_pod, using_database
from .selectors import MOVE_GIVEN_UP_AFTER

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
    schema_seconds: float  # the schema on the target, claimed or migrated (before the read-only time on a pod)
    copy_seconds: float  # the rows, sequences and both sides' counts, with the target's commit
    schema_claimed: bool  # True: one of the target's ready schemas, renamed; False: its pool was empty, migrated


def _place_name(pod: Pod | None) -> str:
    return pod.name if pod is not None else "platform"


def move_store(*, store: Store, to_pod: Pod | None) -> MoveReport:
    """Move ``store``'s schema to ``to_pod`` (None: the platform database) and serve it from there.

    The target's schema is claimed from the target's pool of ready schemas (made by the migrations when that pool
    is empty) first, in a transaction there that stays open; only then is the store read-only for buyers and
    sellers (writes get a "being moved" 503). Its tables are SHARE-locked on the old pod, their rows copied by COPY
    into that transaction and counted on both sides. The target commits, then the platform switches ``Store.pod``
    in one transaction, then the old schema is dropped. A failure before the switch leaves the store on its old pod
    with nothing on the target, and a claimed ready schema back in its pool (docs/scaling.md, "Moving a store to
    another pod").
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
    fill = _TargetSchema(target, store.schema_name, pod=to_pod)
    try:
        if target != DEFAULT_DB_ALIAS:
            # Made while the store still takes writes: migrations, when the pool is empty, are most of a move's
            # time. Not on the platform database, whose connection must be free to commit the read-only flag just
            # below (a claim there is a rename, milliseconds).
            fill.make()
        # Committed alone, for other processes to refuse writes.
        now = timezone.now()
        idle = Q(moving_since__isnull=True) | Q(moving_since__lt=now - MOVE_GIVEN_UP_AFTER)
        marked = Store.objects.filter(idle, pk=store.pk).update(moving_since=now)
        if not marked:
            raise ValidationError({"store": f"{store.slug} is already being moved."})
    except ValidationError:
        fill.abandon()
        raise
    except Exception as error:
        fill.abandon()
        raise _failed(store, source_name, target_name, error) from error
    except BaseException:
        fill.abandon()
        raise
    forget_store_hosts(store)
    started = time.monotonic()
    try:
        # Processes that looked the host up just before keep the old answer this long (tenants/host_cache.py).
        time.sleep(LOCAL_SECONDS)
        fill.make()
        tables, rows, sequences, copy_seconds = _copy_and_switch(store, source=source, fill=fill, to_pod=to_pod)
    except Exception as error:
        fill.abandon()
        raise _failed(store, source_name, target_name, error) from error
    except BaseException:
        fill.abandon()
        raise
    finally:
        with transaction.atomic():
            Store.objects.filter(pk=store.pk).update(moving_since=None)
            forget_store_hosts(store)
    seconds = time.monotonic() - started
    logger.info(
        "moved store %s from %s to %s: %d rows, read-only %.1f s", store.slug, source_name, target_name, rows, seconds
    )
    return MoveReport(
        store.slug,
        source_name,
        target_name,
        tables,
        rows,
        sequences,
        seconds,
        fill.schema_seconds,
        copy_seconds,
        schema_claimed=fill.claimed is not None,
    )


def _failed(store: Store, source_name: str, target_name: str, error: Exception) -> MoveFailed:
    # Whatever failed (a copy check, the database, a migration), the platform still points at the old schema.
    logger.warning("moving store %s from %s to %s failed: %s", store.slug, source_name, target_name, error)
    return MoveFailed(f"{store.slug} stays on {source_name}: {str(error).strip()}")


class _TargetSchema:
    """The store's schema on the target, in a transaction there that is open from ``make`` until ``commit`` or
    ``abandon``: nobody sees it, and a failure (or this process dying) leaves nothing of it."""

    def __init__(self, database: str, schema: str, *, pod: Pod | None) -> None:
        self.database, self.schema, self.pod = database, schema, pod
        self.schema_seconds = 0.0
        self.claimed: ReadySchema | None = None  # the target pool's row this schema was, when one was claimed
        self._transaction: Any = None

    def make(self) -> None:
        if self._transaction is not None:
            return
        self._transaction = transaction.atomic(using=self.database)
        self._transaction.__enter__()
        with connections[self.database].cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [self.schema])
            if cursor.fetchone() is not None:
                # Never overwritten, never dropped by us: it may be another store's, or a failed move's to inspect.
                raise copying.CopyError(f"a schema called {self.schema} already exists on the target")
        started = time.monotonic()
        with using_database(self.database):
            # The pool's row is deleted in a platform transaction of its own, committed at once: the target's
            # transaction stays open across the platform's commits of the move (the read-only flag), so the row
            # can't wait for it; ``abandon`` puts the row back. On the platform database this block is a savepoint
            # of the target's transaction, and the row goes (or stays) with it.
            with transaction.atomic(using=PLATFORM_ALIAS):
                self.claimed = take_ready_schema(self.schema, pod=self.pod)
            if self.claimed is None:
                # The pool is empty (or this pod's was never filled): every tenant migration, as a signup then gets.
                create_migrated_schema(self.schema)
        self.schema_seconds = time.monotonic() - started

    def cursor(self) -> Any:
        return connections[self.database].cursor()

    def commit(self) -> None:
        opened, self._transaction = self._transaction, None
        opened.__exit__(None, None, None)

    def abandon(self) -> None:
        opened, self._transaction = self._transaction, None
        if opened is None:
            return
        try:
            opened.__exit__(copying.CopyError, copying.CopyError("move abandoned"), None)
        finally:
            # The rename is rolled back with the target's transaction (or died with its connection): the pooled
            # schema is there again under its own name, untouched, and goes back to its pool.
            claimed, self.claimed = self.claimed, None
            if claimed is not None and self.database != DEFAULT_DB_ALIAS:
                _put_back(claimed)


def _put_back(claimed: ReadySchema) -> None:
    try:
        with transaction.atomic():
            put_back_ready_schema(claimed)
    except DatabaseError:
        # The platform is unreachable: the schema stays on the pod under its pool name, named by no row.
        logger.exception("could not return pooled schema %s to its pool", claimed.schema_name)


def _copy_and_switch(
    store: Store, *, source: str, fill: _TargetSchema, to_pod: Pod | None
) -> tuple[int, int, int, float]:
    schema = store.schema_name
    # The source's transaction holds the store's tables until the old schema is dropped, after the switch.
    with transaction.atomic(using=source), connections[source].cursor() as source_cursor:
        source_cursor.execute(f"SET LOCAL lock_timeout = '{MOVE_LOCK_TIMEOUT}'")
        tables = copying.tables_of(source_cursor, schema)
        if not tables:
            raise copying.CopyError(f"schema {schema} has no tables on the source")
        copying.lock_for_copy(source_cursor, schema, tables)
        started = time.monotonic()
        source_counts = copying.count_rows(source_cursor, schema, tables)
        with fill.cursor() as target_cursor:
            copying.check_same_tables(tables, copying.tables_of(target_cursor, schema))
            copied = copying.copy_rows(source_cursor, target_cursor, schema, tables)
            sequences = copying.copy_sequences(source_cursor, target_cursor, schema)
            copying.check_counts(source_counts, copying.count_rows(target_cursor, schema, tables), copied)
            # Deferred foreign keys are checked now rather than at the commit, where a failure would be less clear.
            target_cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        fill.commit()
        copy_seconds = time.monotonic() - started
        try:
            with transaction.atomic(), connections[DEFAULT_DB_ALIAS].cursor() as platform_cursor:
                # Not waiting long on a platform row while holding the store's tables on another server.
                platform_cursor.execute(f"SET LOCAL lock_timeout = '{MOVE_LOCK_TIMEOUT}'")
                Store.objects.filter(pk=store.pk).update(pod=to_pod, moving_since=None, updated_at=timezone.now())
                forget_store_hosts(store)
                invalidate_store_pages(schema_name=schema)
        except BaseException:
            # The store still points at its old schema: the copy on the target must not stay behind.
            _drop_schema(fill.database, schema)
            raise
        # Processes with the old answer cached still read the old schema for this long (writes they refuse).
        time.sleep(LOCAL_SECONDS)
        try:
            with transaction.atomic(using=source):
                source_cursor.execute(f"DROP SCHEMA {copying.quoted(schema)} CASCADE")
        except DatabaseError:
            # The store is served from its new pod already: an orphaned schema, logged, as after a failed purge.
            logger.exception("moved store %s, but its old schema on %s could not be dropped", store.slug, source)
    return len(tables), sum(source_counts.values()), sequences, copy_seconds


def _drop_schema(database: str, schema: str) -> None:
    if not schema.startswith("store_"):
        raise ValueError(f"refusing to drop schema {schema!r}")
    try:
        with transaction.atomic(using=database), connections[database].cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {copying.quoted(schema)} CASCADE")
    except DatabaseError:
        logger.exception("could not drop the copy of schema %s on %s", schema, database)
