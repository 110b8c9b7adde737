"""A fleet migration run: every store schema and pooled schema of one database, with workers, retries and status.

Each schema's row in ``fleet.SchemaMigrationStatus`` says where it stands. A run first brings the rows in line
with the schemas that exist and the migrations on disk (a row done for older migrations is pending again), then
migrates the pending ones; a schema is marked done in the same transaction as its migrations, so a run that
crashes leaves every schema either done or not, and the next run takes up exactly the rest.

A pod's schemas are migrated on the pod's own connection while their status rows stay on the platform: there a
schema's row is marked done just after its transaction committed on the pod (a crash between the two leaves the
row "migrating", and the next run finds the schema already current and marks it done).
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from tenants.models import Pod, ReadySchema, Store
from tenants.pods.routing import is_pod_alias, platform_connection, using_database
from tenants.schema_pool import tenant_migrations_fingerprint

from .executor import FleetMigrator, SchemaGone, Target, is_busy_error
from .models import SchemaMigrationStatus

logger = logging.getLogger(__name__)

Status = SchemaMigrationStatus.Status
LOCK_TIMEOUT_FORMAT = re.compile(r"^[1-9][0-9]{0,6}(ms|s)$")
# One fleet run per database at a time (a PostgreSQL advisory lock, released when its session ends).
ADVISORY_LOCK_KEY = 0x6D65726361746F  # "mercato"


# A PostgreSQL backend keeps the catalog entries of every schema it has touched (~225 MB per 1,000) until it
# ends; a worker starts a new connection after this many schemas, so its backend stays near 60 MB.
SCHEMAS_PER_CONNECTION = 250


class FleetBusy(Exception):
    """Another fleet migration run holds this database."""


@dataclass
class RunSummary:
    target: str
    considered: int = 0
    outcomes: Counter = field(default_factory=Counter)  # done / busy / failed / gone
    ways: Counter = field(default_factory=Counter)  # current / pilot / replay / direct / standard
    migrations_applied: int = 0
    seconds: float = 0.0
    # Schemas of the run's scope left failed, by this run or (not retried without --retry-failed) an earlier one.
    left_failed: int = 0

    @property
    def unfinished(self) -> int:
        return self.outcomes["busy"] + self.left_failed


@dataclass
class WorkItem:
    status_id: int
    target: Target
    kind: str


def validate_lock_timeout(value: str) -> str:
    """A PostgreSQL duration like "3s" or "500ms"; anything else is refused before it reaches SQL."""
    if not LOCK_TIMEOUT_FORMAT.match(value):
        raise ValueError(f"lock timeout {value!r} must be a whole number of seconds or milliseconds, like 3s or 500ms")
    return value


def migrate_fleet(
    *,
    database: str = "default",
    workers: int = 2,
    retry_failed: bool = False,
    schemas: list[str] | None = None,
    lock_timeout: str | None = None,
    lock_retries: int = 2,
    retry_pause: float = 2.0,
    progress: Callable[[str], None] | None = None,
) -> RunSummary:
    """Migrate every pending schema of ``database`` (only ``schemas`` when given); failed ones too with
    ``retry_failed``. Returns what happened; schemas still busy or failed stay recorded for the next run."""
    lock_timeout = validate_lock_timeout(lock_timeout or settings.FLEET_LOCK_TIMEOUT)
    if workers < 1:
        raise ValueError("workers must be at least 1")
    began = time.monotonic()
    say = progress or (lambda message: None)
    control = connections[database]
    with control.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise FleetBusy("another fleet migration is running on this database")
    try:
        migrator = FleetMigrator(database)
        summary = RunSummary(target=migrator.target)
        items, scope = _prepare(migrator, database=database, schemas=schemas, retry_failed=retry_failed)
        summary.considered = len(items)
        say(f"{len(items)} schema(s) to check, {workers} worker(s), lock timeout {lock_timeout}")
        busy = _run(migrator, items, summary, workers=workers, lock_timeout=lock_timeout, say=say)
        for round_number in range(1, lock_retries + 1):
            if not busy:
                break
            say(f"{len(busy)} busy schema(s): retry {round_number} of {lock_retries} in {retry_pause:g} s")
            time.sleep(retry_pause)
            summary.outcomes["busy"] -= len(busy)
            busy = _run(migrator, busy, summary, workers=workers, lock_timeout=lock_timeout, say=say)
        summary.left_failed = SchemaMigrationStatus.objects.filter(
            database=database, schema_name__in=scope, status=Status.FAILED
        ).count()
    finally:
        with control.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
    summary.seconds = time.monotonic() - began
    return summary


def _prepare(
    migrator: FleetMigrator, *, database: str, schemas: list[str] | None, retry_failed: bool
) -> tuple[list[WorkItem], set[str]]:
    """Make one status row per existing schema, reset rows done for other migrations, and list what to do (and
    every schema in the run's scope)."""
    public = get_public_schema_name()
    on_pod = is_pod_alias(database)
    placed = Store.objects.filter(pod__database_alias=database) if on_pod else Store.objects.filter(pod__isnull=True)
    stores = {store.schema_name: store for store in placed.exclude(schema_name=public)}
    # Each database has its own schema pool; the rows are all on the platform, naming their pod.
    pool = ReadySchema.objects.filter(pod__database_alias=database) if on_pod else ReadySchema.objects.filter(pod=None)
    pooled = set(pool.values_list("schema_name", flat=True))
    wanted = set(stores) | pooled
    if schemas is not None:
        wanted &= set(schemas)
    with connections[database].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [sorted(wanted)])
        existing = {row[0] for row in cursor.fetchall()}
    rows = SchemaMigrationStatus.objects.filter(database=database)
    if schemas is None:
        rows.exclude(schema_name__in=existing).delete()
    known = set(rows.filter(schema_name__in=existing).values_list("schema_name", flat=True))
    now = timezone.now()
    SchemaMigrationStatus.objects.bulk_create(
        SchemaMigrationStatus(
            database=database,
            schema_name=name,
            kind=SchemaMigrationStatus.Kind.STORE if name in stores else SchemaMigrationStatus.Kind.POOL,
            store=stores.get(name),
            target=migrator.target,
            updated_at=now,
        )
        for name in sorted(existing - known)
    )
    current = rows.filter(schema_name__in=existing)
    current.exclude(target=migrator.target).update(
        status=Status.PENDING, target=migrator.target, error="", attempts=0, applied=0, started_at=None,
        finished_at=None, updated_at=now,
    )  # fmt: skip
    # A row still "migrating" belongs to a run that stopped mid-way; its transaction was rolled back.
    current.filter(status=Status.MIGRATING).update(
        status=Status.PENDING, error="The run migrating it stopped before it finished.", updated_at=now
    )
    todo = [Status.PENDING, Status.FAILED] if retry_failed else [Status.PENDING]
    items = []
    for row in current.filter(status__in=todo).order_by("schema_name"):
        items.append(_work_item(row, stores.get(row.schema_name), public, on_pod=on_pod))
    return items, existing


def _work_item(row: SchemaMigrationStatus, store: Store | None, public: str, *, on_pod: bool = False) -> WorkItem:
    if on_pod:
        # The schema's row (store or pool) is on the platform, out of reach of the pod's transaction: no row lock.
        # A store purged meanwhile loses its schema after this one transaction ends (purge drops it on the pod);
        # a pooled schema that needs migrating has an old fingerprint until it is done, so no signup claims it.
        return WorkItem(row.pk, Target(row.schema_name, tenant=store), row.kind)
    if store is not None:
        # FOR KEY SHARE: a purge (which deletes the row, then drops the schema) waits for this schema's
        # transaction, while the store's own updates (status, name) don't.
        table = f'"{public}"."{Store._meta.db_table}"'
        guard = (f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [store.pk])  # noqa: S608 - our table
        return WorkItem(row.pk, Target(row.schema_name, tenant=store, guard=guard), row.kind)
    # A pooled schema being claimed (renamed) by a signup is skipped; a signup never waits for it.
    table = f'"{public}"."{ReadySchema._meta.db_table}"'
    guard = (f"SELECT 1 FROM {table} WHERE schema_name = %s FOR UPDATE SKIP LOCKED", [row.schema_name])  # noqa: S608
    return WorkItem(row.pk, Target(row.schema_name, guard=guard), row.kind)


def _run(
    migrator: FleetMigrator,
    items: list[WorkItem],
    summary: RunSummary,
    *,
    workers: int,
    lock_timeout: str,
    say: Callable[[str], None],
) -> list[WorkItem]:
    """Migrate ``items`` with ``workers`` threads (one connection each); returns the ones that were busy."""
    work: queue.Queue[WorkItem] = queue.Queue()
    for item in items:
        work.put(item)
    busy: list[WorkItem] = []
    guard = threading.Lock()
    total = len(items)
    step = max(1, total // 10)

    def worker() -> None:
        visited = 0
        # On a pod, this thread's "default" is the pod's connection, so data migrations' plain queries land there.
        scope = using_database(migrator.database) if is_pod_alias(migrator.database) else nullcontext()
        try:
            with scope:
                while True:
                    try:
                        item = work.get_nowait()
                    except queue.Empty:
                        return
                    if visited and visited % SCHEMAS_PER_CONNECTION == 0:
                        connections[migrator.database].close()
                    visited += 1
                    outcome, way, applied = _migrate_one(migrator, item, lock_timeout=lock_timeout)
                    with guard:
                        summary.outcomes[outcome] += 1
                        if way:
                            summary.ways[way] += 1
                        summary.migrations_applied += applied
                        if outcome == "busy":
                            busy.append(item)
                        finished = sum(summary.outcomes.values())
                        if finished % step == 0 or outcome == "failed":
                            say(f"{finished} schema(s) handled; {dict(summary.outcomes)}")
        finally:
            connections[migrator.database].close()
            if is_pod_alias(migrator.database):
                connections[DEFAULT_DB_ALIAS].close()  # this thread's platform connection (status rows)

    threads = [threading.Thread(target=worker, name=f"fleet-{n}") for n in range(min(workers, total))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return busy


def _status_table() -> str:
    return f'"{get_public_schema_name()}"."{SchemaMigrationStatus._meta.db_table}"'


def _write_status(connection: Any, status_id: int, assignments: str, params: list[object]) -> None:
    """Update one status row on the worker's own connection (in the schema's transaction when it is in one)."""
    with connection.cursor() as cursor:
        # Only the table name (the model's own) is formatted in; every value is a parameter.
        cursor.execute(
            f"UPDATE {_status_table()} SET {assignments}, updated_at = now() WHERE id = %s",  # noqa: S608
            [*params, status_id],
        )


def _migrate_one(migrator: FleetMigrator, item: WorkItem, *, lock_timeout: str) -> tuple[str, str, int]:
    """Migrate one schema and record how it went; returns (outcome, way, migrations applied)."""
    on_pod = is_pod_alias(migrator.database)
    # Status rows are the platform's: on a pod they are written through the platform's connection, after the
    # schema's own commit; on the platform, in the schema's transaction.
    connection = platform_connection() if on_pod else connections[migrator.database]
    done_after_commit: list[int] = []
    _write_status(
        connection,
        item.status_id,
        "status = %s, attempts = attempts + 1, error = '', started_at = now(), finished_at = NULL",
        [Status.MIGRATING],
    )

    def mark_done(applied: int) -> None:
        if on_pod:
            done_after_commit.append(applied)
            return
        # In the schema's own transaction: the row says done exactly when the migrations committed.
        _write_status(
            connection,
            item.status_id,
            "status = %s, applied = %s, error = '', finished_at = now()",
            [Status.DONE, applied],
        )
        if item.kind == SchemaMigrationStatus.Kind.POOL:
            # Built for other migrations but now current: claimable again rather than dropped by the refill.
            ReadySchema.objects.using(migrator.database).filter(schema_name=item.target.schema_name).update(
                migrations_fingerprint=tenant_migrations_fingerprint()
            )

    try:
        outcome = migrator.migrate(item.target, lock_timeout=lock_timeout, in_transaction=mark_done)
    except SchemaGone:
        SchemaMigrationStatus.objects.using(DEFAULT_DB_ALIAS if on_pod else migrator.database).filter(
            pk=item.status_id
        ).delete()
        return "gone", "", 0
    except Exception as error:
        busy = is_busy_error(error)
        if busy:
            text = f"Busy: a lock was not granted within {lock_timeout} ({error}). Left for a later run."
        else:
            logger.exception("fleet migration of %s failed", item.target.schema_name)
            text = "".join(traceback.format_exception_only(error)).strip()
        try:
            _write_status(
                connection,
                item.status_id,
                "status = %s, error = %s, finished_at = now()",
                [Status.PENDING if busy else Status.FAILED, text[:4000]],
            )
        except DatabaseError:
            # The connection itself is gone: the row stays "migrating", which the next run reads as pending.
            logger.exception("could not record the fleet migration status of %s", item.target.schema_name)
            connection.close()
        return ("busy" if busy else "failed"), "", 0
    if on_pod:
        applied = done_after_commit[-1] if done_after_commit else outcome.applied
        _write_status(
            connection,
            item.status_id,
            "status = %s, applied = %s, error = '', finished_at = now()",
            [Status.DONE, applied],
        )
        if item.kind == SchemaMigrationStatus.Kind.POOL:
            # The pool's row is the platform's (routed there while this thread is on the pod).
            ReadySchema.objects.filter(schema_name=item.target.schema_name).update(
                migrations_fingerprint=tenant_migrations_fingerprint()
            )
    return "done", outcome.way, outcome.applied


def fleet_databases() -> list[str]:
    """Every database holding store schemas: the platform's, then each pod's."""
    return [DEFAULT_DB_ALIAS, *Pod.objects.order_by("name").values_list("database_alias", flat=True)]
