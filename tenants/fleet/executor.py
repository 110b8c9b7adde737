"""Apply the pending tenant migrations to one schema at a time on one reused connection, from one migration graph.

Django's own executor rebuilds the graph, asks PostgreSQL for the whole table list (a scan of pg_class that grows
with every store) and renders the project state for every schema. Here the graph is loaded once per run; a
schema's applied migrations are read from its own ``django_migrations`` table by name; and schemas that need the
same plan share its work: the first one (the *pilot*) is migrated by Django's own operations while the statements
they send are recorded, and every later schema with that plan gets the recorded statements, in one round trip,
plus a fresh call of each operation that is not plain SQL (``RunPython`` and the like) with the pilot's states.
A schema is migrated in one transaction with ``SET LOCAL lock_timeout``, so a store whose tables are held by a
long transaction fails fast (and is retried later) instead of queueing its own requests behind the migration.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DatabaseError, OperationalError, ProgrammingError, connections, transaction
from django.db.migrations import operations as ops
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ModelState, ProjectState, StateApps

if TYPE_CHECKING:
    from tenants.connection import TenantDatabaseWrapper

Node = tuple[str, str]

# Operations whose whole effect on a schema is the SQL they send through the schema editor (given the same
# schema, the same SQL), so the pilot's statements can stand for them. Exact classes only: a subclass may do more
# (AddIndexConcurrently is an AddIndex that must run outside a transaction).
SQL_ONLY_OPERATIONS: frozenset[type[Operation]] = frozenset({
    ops.CreateModel, ops.DeleteModel, ops.RenameModel, ops.AlterModelTable, ops.AlterModelTableComment,
    ops.AlterUniqueTogether, ops.AlterIndexTogether, ops.AlterOrderWithRespectTo, ops.AlterModelOptions,
    ops.AlterModelManagers, ops.AddField, ops.RemoveField, ops.AlterField, ops.RenameField, ops.AddIndex,
    ops.RemoveIndex, ops.RenameIndex, ops.AddConstraint, ops.RemoveConstraint, ops.AlterConstraint, ops.RunSQL,
})  # fmt: skip

# PostgreSQL's codes for "the lock was not granted in time" and "deadlock": the store is busy, not broken.
BUSY_SQLSTATES = frozenset({"55P03", "40P01"})


def is_sql_only(operation: Operation) -> bool:
    if type(operation) is ops.SeparateDatabaseAndState:
        return all(is_sql_only(inner) for inner in operation.database_operations)
    return type(operation) in SQL_ONLY_OPERATIONS


def is_busy_error(error: BaseException) -> bool:
    """True when PostgreSQL refused for a lock not granted in time (or a deadlock), not for a broken migration."""
    cause = error.__cause__ if isinstance(error, DatabaseError) else error
    return getattr(cause, "sqlstate", None) in BUSY_SQLSTATES


class ReplayError(Exception):
    """A recorded statement failed on this schema: its tables are not what the pilot's were."""


@dataclass
class Step:
    """What one operation does to a schema: recorded statements, or the operation itself to call again."""

    statements: list[str] = field(default_factory=list)
    operation: Operation | None = None
    app_label: str = ""
    from_state: ProjectState | None = None
    to_state: ProjectState | None = None


@dataclass
class RecordedMigration:
    migration: Migration
    steps: list[Step]
    deferred: list[str]


@dataclass
class RecordedPlan:
    """A plan as the pilot schema ran it, ready to be replayed on every schema that needs the same plan."""

    migrations: list[RecordedMigration]
    # None when the post_migrate handlers wrote nothing in the pilot (the usual case: no new model).
    post_migrate_apps: StateApps | None


@dataclass
class Target:
    """One schema to migrate; ``tenant`` is set as the connection's tenant while its migrations run."""

    schema_name: str
    tenant: Any = None
    # A query run first in the schema's transaction that must return a row, or the schema is left alone: it
    # locks the row that owns the schema (a store's, a pooled schema's), so the schema isn't dropped or renamed
    # under the migration.
    guard: tuple[str, list[Any]] | None = None


class SchemaGone(Exception):
    """The schema's owner row is gone (a purged store, a pooled schema claimed meanwhile): nothing to migrate."""


@dataclass
class Outcome:
    applied: int
    way: str  # "current", "pilot", "replay", "direct" or "standard"


class FleetMigrator:
    """The migration graph of one database alias, loaded once, and what every schema of it needs.

    Thread-safe: each worker thread migrates on its own connection (Django's connections are per thread).
    """

    def __init__(self, database: str = "default") -> None:
        self.database = database
        self.loader = MigrationLoader(None)
        self.graph = self.loader.graph
        self.full_plan: list[Node] = []
        seen: set[Node] = set()
        for leaf in sorted(self.graph.leaf_nodes()):
            for node in self.graph.forwards_plan(leaf):
                if node not in seen:
                    seen.add(node)
                    self.full_plan.append(node)
        self.target = hashlib.sha256(repr(sorted(self.full_plan)).encode()).hexdigest()
        # Replaced migrations count as applied under their squashed name when all of them are.
        self.replacements = {key: tuple(m.replaces) for key, m in self.loader.replacements.items()}
        self._lock = threading.Lock()
        self._plan_locks: dict[tuple[Node, ...], threading.Lock] = {}
        self._recorded: dict[tuple[Node, ...], RecordedPlan] = {}
        self._pre_states: dict[tuple[Node, ...], ProjectState] = {}
        self._announced: set[tuple[Node, ...]] = set()
        self._checked: set[tuple[Node, ...]] = set()

    # --- What a schema needs ---

    def plan_for(self, applied: Iterable[Node]) -> tuple[Node, ...] | None:
        """The migrations a schema with ``applied`` rows still needs, in order; None when a squash is half applied."""
        done = set(applied)
        for key, replaced in self.replacements.items():
            marks = [node in done for node in replaced]
            if all(marks):
                done.add(key)
            elif any(marks) and key in self.graph.nodes:
                return None  # the shared graph uses the squash; only Django's own executor can follow this one
        return tuple(node for node in self.full_plan if node not in done)

    def read_applied(self, schema_name: str) -> list[Node] | None:
        """The schema's applied migrations, read from its own table by name (None: it has no such table)."""
        connection = connections[self.database]
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')  # noqa: S608 - a schema's name
                return [(app, name) for app, name in cursor.fetchall()]
        except ProgrammingError as error:
            if getattr(error.__cause__, "sqlstate", None) == "42P01":  # undefined table
                return None
            raise

    def check_history(self, plan: tuple[Node, ...]) -> None:
        """Refuse a schema where a migration is applied but one it depends on is not (Django's own check)."""
        if plan in self._checked:
            return
        pending = set(plan)
        for node in self.full_plan:
            if node in pending:
                continue
            for parent in self.graph.node_map[node].parents:
                if parent.key in pending:
                    raise InconsistentMigrationHistory(
                        f"Migration {node[0]}.{node[1]} is applied before its dependency {parent.key[0]}.{parent.key[1]}."
                    )
        with self._lock:
            self._checked.add(plan)

    # --- Applying ---

    def migrate(
        self,
        target: Target,
        *,
        lock_timeout: str,
        in_transaction: Callable[[int], None] | None = None,
    ) -> Outcome:
        """Bring ``target`` to the graph's leaves. ``in_transaction`` runs last inside the schema's transaction.

        Raises the database's error (``is_busy_error`` tells a lock not granted in time) after rolling back.
        """
        connection: TenantDatabaseWrapper = connections[self.database]  # type: ignore[assignment]
        try:
            applied = self.read_applied(target.schema_name)
            plan = None if applied is None else self.plan_for(applied)
            if plan is None:
                return self.migrate_the_standard_way(target, lock_timeout=lock_timeout, in_transaction=in_transaction)
            self.check_history(plan)
            self._enter(connection, target)
            if not plan:
                with transaction.atomic(using=self.database):
                    self._begin(connection, target, lock_timeout)
                    if in_transaction is not None:
                        in_transaction(0)
                return Outcome(applied=0, way="current")
            migrations = [self.graph.nodes[node] for node in plan]
            if not all(migration.atomic for migration in migrations):
                return self._migrate_directly(connection, target, plan, lock_timeout, in_transaction)
            recorded = self._recorded.get(plan)
            if recorded is None:
                # One pilot per plan; the other workers wait for its recording (or take over if it fails).
                with self._plan_lock(plan):
                    recorded = self._recorded.get(plan)
                    if recorded is None:
                        return self._pilot(connection, target, plan, lock_timeout, in_transaction)
            try:
                return self._replay(connection, target, plan, recorded, lock_timeout, in_transaction)
            except ReplayError:
                return self.migrate_the_standard_way(target, lock_timeout=lock_timeout, in_transaction=in_transaction)
        finally:
            connection.set_schema_to_public()

    def _enter(self, connection: TenantDatabaseWrapper, target: Target) -> None:
        if target.tenant is not None:
            connection.set_tenant(target.tenant)
        else:
            connection.set_schema(target.schema_name)

    def _plan_lock(self, plan: tuple[Node, ...]) -> threading.Lock:
        with self._lock:
            return self._plan_locks.setdefault(plan, threading.Lock())

    def _pre_state(self, plan: tuple[Node, ...]) -> ProjectState:
        """The project state of a schema that needs ``plan`` (rendered once per plan, cloned for each use)."""
        state = self._pre_states.get(plan)
        if state is None:
            pending = set(plan)
            state = ProjectState(real_apps=self.loader.unmigrated_apps)
            for node in self.full_plan:
                if node not in pending:
                    self.graph.nodes[node].mutate_state(state, preserve=False)
            state.apps  # noqa: B018 - rendering the models is the expensive part; do it once
            self._pre_states[plan] = state
        return state

    def _pilot(
        self,
        connection: TenantDatabaseWrapper,
        target: Target,
        plan: tuple[Node, ...],
        lock_timeout: str,
        in_transaction: Callable[[int], None] | None,
    ) -> Outcome:
        """Migrate ``target`` with Django's operations, recording what they send; keep the recording if it commits."""
        state = self._pre_state(plan).clone()
        migrations = [self.graph.nodes[node] for node in plan]
        if plan not in self._announced:
            # Once per plan, as the migrate command does once per run: contenttypes' handler adds an operation to
            # each RenameModel's migration, and the graph (so the migrations) is shared by every schema.
            emit_pre_migrate_signal(0, False, self.database, apps=state.apps, plan=[(m, False) for m in migrations])
            self._announced.add(plan)
        recorded_migrations = []
        with transaction.atomic(using=self.database):
            self._begin(connection, target, lock_timeout)
            for migration in migrations:
                state, recording = self._apply(connection, migration, state, record=True)
                assert recording is not None
                recorded_migrations.append(recording)
            post_migrate_apps = self._post_migrate_apps(state)
            wrote = self._emit_post_migrate(connection, post_migrate_apps, migrations, watch=True)
            if in_transaction is not None:
                in_transaction(len(plan))
        self._recorded[plan] = RecordedPlan(recorded_migrations, post_migrate_apps if wrote else None)
        return Outcome(applied=len(plan), way="pilot")

    def _replay(
        self,
        connection: TenantDatabaseWrapper,
        target: Target,
        plan: tuple[Node, ...],
        recorded: RecordedPlan,
        lock_timeout: str,
        in_transaction: Callable[[int], None] | None,
    ) -> Outcome:
        with transaction.atomic(using=self.database):
            self._begin(connection, target, lock_timeout)
            batch: list[str] = []
            for recording in recorded.migrations:
                for step in recording.steps:
                    if step.operation is None:
                        batch.extend(step.statements)
                        continue
                    self._run_batch(connection, batch)
                    assert step.from_state is not None and step.to_state is not None
                    with connection.schema_editor(atomic=False) as editor:
                        step.operation.database_forwards(step.app_label, editor, step.from_state, step.to_state)
                batch.extend(recording.deferred)
                batch.extend(self._record_applied_sql(connection, recording.migration))
            self._run_batch(connection, batch)
            if recorded.post_migrate_apps is not None:
                self._emit_post_migrate(
                    connection, recorded.post_migrate_apps, [r.migration for r in recorded.migrations], watch=False
                )
            if in_transaction is not None:
                in_transaction(len(plan))
        return Outcome(applied=len(plan), way="replay")

    def _migrate_directly(
        self,
        connection: TenantDatabaseWrapper,
        target: Target,
        plan: tuple[Node, ...],
        lock_timeout: str,
        in_transaction: Callable[[int], None] | None,
    ) -> Outcome:
        """A plan with a non-atomic migration (CREATE INDEX CONCURRENTLY): each migration on its own, as Django does."""
        state = self._pre_state(plan).clone()
        migrations = [self.graph.nodes[node] for node in plan]
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{lock_timeout}'")
        try:
            for migration in migrations:
                state, _ = self._apply(connection, migration, state, record=False)
            with transaction.atomic(using=self.database):
                self._begin(connection, target, lock_timeout)
                self._emit_post_migrate(connection, self._post_migrate_apps(state), migrations, watch=False)
                if in_transaction is not None:
                    in_transaction(len(plan))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        return Outcome(applied=len(plan), way="direct")

    def migrate_the_standard_way(
        self, target: Target, *, lock_timeout: str, in_transaction: Callable[[int], None] | None = None
    ) -> Outcome:
        """Django's own executor on this one schema: for a schema the shared graph can't describe (a half-applied
        squash, no migrations table) or whose tables differ from the pilot's."""
        from django.db.migrations.executor import MigrationExecutor

        connection: TenantDatabaseWrapper = connections[self.database]  # type: ignore[assignment]
        connection.set_schema(target.schema_name, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        self._enter(connection, target)
        with transaction.atomic(using=self.database):
            self._begin(connection, target, lock_timeout)
            executor = MigrationExecutor(connection)
            executor.loader.check_consistent_history(connection)
            targets = executor.loader.graph.leaf_nodes()
            plan = executor.migration_plan(targets)
            # The state the migrate command starts from (a private method, which the command itself calls).
            pre_state = executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]
            state = executor.migrate(targets, plan=plan, state=pre_state.clone())
            if plan:
                self._emit_post_migrate(connection, self._post_migrate_apps(state), [m for m, _ in plan], watch=False)
            if in_transaction is not None:
                in_transaction(len(plan))
        return Outcome(applied=len(plan), way="standard")

    # --- Pieces ---

    def _apply(
        self, connection: TenantDatabaseWrapper, migration: Migration, state: ProjectState, *, record: bool
    ) -> tuple[ProjectState, RecordedMigration | None]:
        """Django's Migration.apply, operation by operation, recording each one's statements when asked."""
        sink: list[str] = []
        steps: list[Step] = []
        # An atomic migration and its django_migrations row commit together (inside the schema's transaction, a
        # savepoint); a non-atomic one runs statement by statement and is recorded once it has run.
        with transaction.atomic(using=self.database) if migration.atomic else nullcontext():
            with connection.schema_editor(atomic=False) as editor:
                if record:
                    send = editor.execute

                    def recording_execute(sql: Any, params: Any = ()) -> None:
                        text = str(sql)
                        sink.append(text if params is None else connection.ops.compose_sql(text, params))
                        send(sql, params)

                    editor.execute = recording_execute  # type: ignore[method-assign]
                for operation in migration.operations:
                    old_state = state.clone()
                    operation.state_forwards(migration.app_label, state)
                    atomic_operation = operation.atomic or (migration.atomic and operation.atomic is not False)
                    if not migration.atomic and atomic_operation:
                        with transaction.atomic(using=self.database):
                            operation.database_forwards(migration.app_label, editor, old_state, state)
                    else:
                        operation.database_forwards(migration.app_label, editor, old_state, state)
                    if not record:
                        continue
                    if is_sql_only(operation):
                        steps.append(Step(statements=list(sink)))
                    else:
                        steps.append(Step(operation=operation, app_label=migration.app_label,
                                          from_state=_settled(old_state), to_state=_settled(state.clone())))  # fmt: skip
                    sink.clear()
            # What the editor ran on leaving (deferred foreign keys and indexes) is still in the sink.
            with connection.cursor() as cursor:
                for statement in self._record_applied_sql(connection, migration):
                    cursor.execute(statement)
        if not record:
            return state, None
        return state, RecordedMigration(migration=migration, steps=steps, deferred=list(sink))

    def _record_applied_sql(self, connection: TenantDatabaseWrapper, migration: Migration) -> list[str]:
        """INSERTs into the schema's own django_migrations (named with its schema: never public's by mistake)."""
        table = f'"{connection.schema_name}".django_migrations'
        keys = [(migration.app_label, migration.name)]
        if migration.replaces:
            keys = [*migration.replaces, *keys]
        return [
            f"INSERT INTO {table} (app, name, applied) VALUES ({_literal(app)}, {_literal(name)}, now())"  # noqa: S608
            for app, name in keys
        ]

    def _post_migrate_apps(self, state: ProjectState) -> StateApps:
        """The apps post_migrate handlers see, built as the migrate command builds them."""
        from django.apps import apps as global_apps

        state.clear_delayed_apps_cache()
        post_apps = state.apps
        with post_apps.bulk_update():
            keys = []
            for model_state in post_apps.real_models:
                key = model_state.app_label, model_state.name_lower
                keys.append(key)
                post_apps.unregister_model(*key)
        post_apps.render_multiple([ModelState.from_model(global_apps.get_model(*key)) for key in keys])
        return post_apps

    def _emit_post_migrate(
        self, connection: TenantDatabaseWrapper, post_apps: StateApps, migrations: list[Migration], *, watch: bool
    ) -> bool:
        """Send post_migrate (content types of new models); with ``watch``, tell whether a handler wrote anything."""
        wrote = False

        def watcher(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
            nonlocal wrote
            if not sql.lstrip().upper().startswith(("SELECT", "SET", "SAVEPOINT", "RELEASE")):
                wrote = True
            return execute(sql, params, many, context)

        plan = [(migration, False) for migration in migrations]
        if watch:
            with connection.execute_wrapper(watcher):
                emit_post_migrate_signal(0, False, self.database, apps=post_apps, plan=plan)
        else:
            emit_post_migrate_signal(0, False, self.database, apps=post_apps, plan=plan)
        return wrote

    def _begin(self, connection: TenantDatabaseWrapper, target: Target, lock_timeout: str) -> None:
        """First in a schema's transaction: wait for locks at most ``lock_timeout``, and hold the schema's owner."""
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{lock_timeout}'")
            if target.guard is not None:
                query, params = target.guard
                cursor.execute(query, params)
                if cursor.fetchone() is None:
                    raise SchemaGone(target.schema_name)

    def _run_batch(self, connection: TenantDatabaseWrapper, batch: list[str]) -> None:
        """Send the statements in one round trip; a failure other than a busy lock means the schema differs."""
        if not batch:
            return
        statements = "\n;\n".join(batch)
        batch.clear()
        try:
            with connection.cursor() as cursor:
                cursor.execute(statements)
        except OperationalError as error:
            if is_busy_error(error):
                raise
            raise ReplayError(str(error)) from error
        except DatabaseError as error:
            raise ReplayError(str(error)) from error


def _settled(state: ProjectState) -> ProjectState:
    """A state whose models are rendered for good: replays on other schemas (in other threads) share it, and an
    operation such as RunPython would otherwise drop and render a delayed state's models again every time."""
    state.apps  # noqa: B018
    state.is_delayed = False
    return state


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
