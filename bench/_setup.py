"""Shared start-up for benchmarks: find the services, point Django at a throw-away database, set it up, start
local pod servers and fill a database with stores quickly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into SystemExit, so every ``finally`` runs: the pod servers are stopped and the throw-away
    databases dropped. A second TERM during that clean-up is let go rather than cutting it short (by a handler
    that does nothing, not by ignoring the signal, which the programs started meanwhile would inherit)."""
    signal.signal(signal.SIGTERM, lambda *_: None)
    raise SystemExit(128 + signum)


# Every benchmark imports this module before starting anything (pod_move.py starts its pods before ``start``).
signal.signal(signal.SIGTERM, _exit_on_sigterm)


def start(database_name: str) -> Callable[[], None]:
    """Find or start PostgreSQL and Redis, create a fresh ``database_name`` and set Django up on it.

    Returns a function that drops the database and stops anything that was started.
    """
    import psycopg
    from psycopg import sql

    from tools.services import discover

    services = discover()
    parts = urlsplit(services.database_url)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name)))
    os.environ.update(services.env())
    os.environ["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{database_name}", "", ""))
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform.settings"
    os.environ["MERCATO_LOG_LEVEL"] = "WARNING"
    # Tasks the benchmark enqueues go to a queue no worker reads, and are deleted at the end.
    queue = f"mercato-bench-{os.getpid()}"
    os.environ["MERCATO_TASK_QUEUE"] = queue

    import django

    django.setup()

    def stop() -> None:
        from django.db import connections

        connections.close_all()
        import redis

        redis.Redis.from_url(services.redis_url).delete(queue)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name)))
        services.stop()

    return stop


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def start_local_pods(count: int, folder: Path) -> tuple[list[str], Callable[[], None]]:
    """The database aliases the stores go to (the pods', or the platform's alone) and how to stop the pods."""
    from django.db import connections

    from tenants.pods.config import register_pod_database
    from tenants.pods.services import add_pod
    from tools.pods import free_ports, start_pods

    if count == 0:
        return ["default"], lambda: None
    run_dir = folder / "pods"
    run_dir.mkdir()
    run_dir.chmod(0o755)  # as root the servers run as the postgres user, who must reach their data
    folder.chmod(0o755)
    # A production pod's settings (fsync on): the benchmarks measure on them. Only the filler relaxes them, for
    # the time it makes its stores (``filling_settings``).
    servers = start_pods(count, run_dir=run_dir, ports=free_ports(count), durable=True)

    def stop_pods() -> None:
        for alias in aliases:
            connections[alias].close()
            _BENCH_PODS.discard(alias)
        servers.stop()

    aliases = []
    try:
        for name, url in servers.urls().items():
            register_pod_database(name, url)
            aliases.append(add_pod(name=name).database_alias)
            _BENCH_PODS.add(aliases[-1])
    except BaseException:
        stop_pods()
        raise
    return aliases, stop_pods


# Pod servers this process started (their aliases): the only servers whose settings the filler changes.
_BENCH_PODS: set[str] = set()

# Bench-only settings a bench pod runs with while the filler makes its stores, and never while anything is
# measured: crash safety is worth nothing for throw-away filler stores, and without it PostgreSQL skips the flushes
# and the full-page images that most of catalog-heavy DDL's writes are. A production pod keeps PostgreSQL's
# defaults (docs/scaling.md, "Figures").
FILLING_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
}
PARALLEL_FILLERS = 2  # connections filling at once: this machine's cores
# Each filling connection is replaced after this many stores, so its backend's catalog caches (about 225 MB per
# 1,000 schemas it has touched) stay small.
STORES_PER_CONNECTION = 100
_SCHEMA_TOKEN = "__bench_schema__"


@dataclass(frozen=True)
class _StoreTemplate:
    """A migrated store schema, as SQL that makes a copy of it under any name."""

    session: str  # the dump's session settings, run once per connection
    schema_sql: str  # every object of the schema (pg_dump --schema-only), its name replaced by _SCHEMA_TOKEN
    rows_sql: str  # its rows (migrations, content types) and sequence positions, the same way
    relations: int  # pg_class entries per store: tables, indexes, sequences, TOAST

    def for_schema(self, schema: str) -> str:
        return (self.schema_sql + self.rows_sql).replace(_SCHEMA_TOKEN, schema)


_templates: dict[str, _StoreTemplate] = {}


def add_stores(prefix: str, count: int, *, database: str = "default", workers: int = PARALLEL_FILLERS) -> list[str]:
    """Make ``count`` complete stores quickly on ``database`` (an alias) and return their schema names.

    Each is a copy of that database's migrated template schema (``tenants.schema_pool.TEMPLATE_SCHEMA``), replayed
    from its ``pg_dump --schema-only`` under the store's name: every table with its indexes, constraints (foreign
    keys included) and sequences, the template's migration rows and content types, sequences where the template's
    are. Store (placed on the database's pod) and StoreDomain rows go on the platform. Schemas are
    ``store_<prefix>_<n>``, numbered after the ones an earlier call made. ``workers`` connections fill at once, a
    few stores per transaction; on a pod server this process started, with ``FILLING_SETTINGS`` until they are
    done. Prints the rate every 250 stores.
    """
    from tenants.models import Pod, Store, StoreDomain

    if count <= 0:
        return []
    pod = Pod.objects.filter(database_alias=database).first()
    first = Store.objects.filter(schema_name__startswith=f"store_{prefix}_").count()
    schemas = [f"store_{prefix}_{number}" for number in range(first, first + count)]
    copy_template(schemas, database=database, workers=workers, relaxed=True, first=first)
    for start in range(0, count, 1000):
        made = Store.objects.bulk_create(
            Store(name=schema, slug=schema.removeprefix("store_").replace("_", "-"), schema_name=schema,
                  status=Store.Status.ACTIVE, pod=pod)
            for schema in schemas[start : start + 1000]
        )  # fmt: skip
        StoreDomain.objects.bulk_create(
            StoreDomain(domain=f"{store.slug}.localhost", tenant=store, is_primary=True) for store in made
        )
    return schemas


def add_ready_schemas(count: int, *, database: str = "default") -> None:
    """Fill the schema pool of ``database``'s pod (the platform's for "default") with ``count`` ready schemas, as
    ``tenants.schema_pool.build_ready_schema`` would, but as copies of the migrated template (the same tables,
    rows and recorded migrations), made in a fraction of the migrations' time and with the pod's own settings."""
    import secrets

    from tenants.models import Pod, ReadySchema
    from tenants.schema_pool import POOL_PREFIX, tenant_migrations_fingerprint

    pod = Pod.objects.filter(database_alias=database).first()
    schemas = [POOL_PREFIX + secrets.token_hex(6) for _ in range(count)]
    copy_template(schemas, database=database, workers=1, relaxed=False)
    ReadySchema.objects.bulk_create(
        ReadySchema(schema_name=schema, migrations_fingerprint=tenant_migrations_fingerprint(), pod=pod)
        for schema in schemas
    )


def copy_template(
    schemas: list[str], *, database: str, workers: int = PARALLEL_FILLERS, relaxed: bool = True, first: int = 0
) -> None:
    """Make each of ``schemas`` on ``database`` a copy of its migrated template schema (``add_stores``), on
    ``workers`` connections, a few per transaction; ``relaxed``: with ``FILLING_SETTINGS`` while they are made,
    when the server is a bench pod. Checks the first and last copies against the template."""
    import psycopg

    conninfo = _conninfo(database)
    template = _template(database, conninfo)
    with psycopg.connect(conninfo) as conn:
        setting = conn.execute("SELECT current_setting('max_locks_per_transaction')::int").fetchall()
    locks_per_transaction = setting[0][0]
    # Each transaction keeps to its share of the server's lock table, which is shared: every relation it makes stays
    # locked until it commits.
    per_transaction = max(1, locks_per_transaction // (template.relations + 50))
    batches = [schemas[start : start + per_transaction] for start in range(0, len(schemas), per_transaction)]
    began = time.perf_counter()
    with filling_settings(database, conninfo) if relaxed else nullcontext():
        _run_fillers(template, conninfo, batches, workers=workers, where=database, first=first)
    seconds = time.perf_counter() - began
    _check_copies(conninfo, template, [schemas[0], schemas[-1]])
    print(
        f"   filler: {len(schemas)} schemas on {database} in {seconds:.1f} s "
        f"({len(schemas) / seconds * 60:.0f}/min, {workers} connections, {per_transaction} per transaction"
        f"{', bench-only settings' if relaxed and database in _BENCH_PODS else ''})",
        flush=True,
    )


def _conninfo(database: str) -> str:
    from django.conf import settings
    from psycopg.conninfo import make_conninfo

    entry = settings.DATABASES[database]
    return make_conninfo(
        dbname=entry["NAME"],
        user=entry.get("USER") or None,
        password=entry.get("PASSWORD") or None,
        host=entry.get("HOST") or None,
        port=str(entry.get("PORT") or "") or None,
    )


def _template(database: str, conninfo: str) -> _StoreTemplate:
    """The template schema of ``database`` as SQL, read once per run (it never changes during one, and
    pg_dump reads the whole catalog, which grows with the stores)."""
    import psycopg
    from psycopg import sql

    from tenants.schema_pool import TEMPLATE_SCHEMA
    from tools.services import _postgres_bin_dir

    if database in _templates:
        return _templates[database]
    bin_dir = _postgres_bin_dir()
    pg_dump = str(bin_dir / "pg_dump") if bin_dir is not None else "pg_dump"
    dump = subprocess.run(
        [pg_dump, "--schema-only", "--no-owner", "--no-privileges", f"--schema={TEMPLATE_SCHEMA}",
         f"--dbname={conninfo}"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    session, body = [], []
    for line in dump.splitlines():
        if line.startswith(("SET ", "SELECT pg_catalog.set_config(")):
            session.append(line)
        elif not line.startswith(("--", "\\")):  # comments, and psql's \restrict guard lines
            body.append(line)
    name = re.compile(rf"\b{re.escape(TEMPLATE_SCHEMA)}\b")
    rows = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        relations = conn.execute(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = %s::regnamespace", [TEMPLATE_SCHEMA]
        ).fetchall()
        for relation, kind in relations:
            qualified = sql.Identifier(TEMPLATE_SCHEMA, relation)
            if kind == "r":
                (has_rows,) = conn.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(qualified)).fetchall()[0]
                if has_rows:
                    rows.append(
                        f'INSERT INTO "{_SCHEMA_TOKEN}"."{relation}" SELECT * FROM {qualified.as_string(conn)};'
                    )
            elif kind == "S":
                query = sql.SQL("SELECT last_value, is_called FROM {}").format(qualified)
                (value, called) = conn.execute(query).fetchall()[0]
                if called:
                    rows.append(f"SELECT pg_catalog.setval('{_SCHEMA_TOKEN}.{relation}', {value}, true);")
    _templates[database] = _StoreTemplate(
        session="\n".join(session),
        schema_sql=name.sub(_SCHEMA_TOKEN, "\n".join(body)) + "\n",
        rows_sql="\n".join(rows) + "\n",
        relations=len(relations),
    )
    return _templates[database]


@contextmanager
def filling_settings(database: str, conninfo: str) -> Iterator[None]:
    """``FILLING_SETTINGS`` on a pod server this process started, for the block; then PostgreSQL's own again,
    checked in effect, and what was written meanwhile flushed to disk (as PostgreSQL's documentation asks after
    running with fsync off), so whatever is measured next runs as on a production pod. Other servers (the
    platform's, shared) are left alone."""
    import psycopg

    if database not in _BENCH_PODS:
        yield
        return
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for setting, value in FILLING_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {setting} = '{value}'")
        conn.execute("SELECT pg_reload_conf()")
    try:
        yield
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for setting in FILLING_SETTINGS:
                conn.execute(f"ALTER SYSTEM RESET {setting}")
            conn.execute("SELECT pg_reload_conf()")
        restored = ""
        for _ in range(100):
            with psycopg.connect(conninfo, autocommit=True) as conn:
                (restored,) = conn.execute(
                    "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings "
                    "WHERE name IN ('fsync', 'full_page_writes')"
                ).fetchall()[0]
            if restored == "fsync=on,full_page_writes=on":
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{database}: the filling settings are still in effect ({restored})")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
        os.sync()


def _run_fillers(
    template: _StoreTemplate, conninfo: str, batches: list[list[str]], *, workers: int, where: str, first: int
) -> None:
    """Run ``batches`` (one transaction each) on ``workers`` connections at once, reporting every 250 stores."""
    import psycopg

    lock = threading.Lock()
    pending = iter(batches)
    stop = threading.Event()
    errors: list[BaseException] = []
    done = [0]

    def fill() -> None:
        conn: psycopg.Connection | None = None
        made = 0
        try:
            while not stop.is_set():
                with lock:
                    batch = next(pending, None)
                if batch is None:
                    return
                if conn is None or made >= STORES_PER_CONNECTION:
                    if conn is not None:
                        conn.close()
                    conn = psycopg.connect(conninfo, autocommit=True)
                    conn.execute((template.session + "\nSET synchronous_commit = off;").encode())
                    made = 0
                # One implicit transaction: the whole string is one simple query.
                conn.execute("\n".join(template.for_schema(schema) for schema in batch).encode())
                made += len(batch)
                with lock:
                    done[0] += len(batch)
        except BaseException as error:
            errors.append(error)
            stop.set()
        finally:
            if conn is not None:
                conn.close()

    threads = [threading.Thread(target=fill, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    total = sum(len(batch) for batch in batches)
    reported, mark = 0, time.perf_counter()
    try:
        while any(thread.is_alive() for thread in threads):
            time.sleep(0.5)
            if done[0] - reported >= 250 or (done[0] == total and reported < total):
                now = time.perf_counter()
                print(
                    f"   filler: {first + reported}-{first + done[0]} on {where}: "
                    f"{(done[0] - reported) / (now - mark) * 60:.0f} stores/min",
                    flush=True,
                )
                reported, mark = done[0], now
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    if errors:
        raise errors[0]


def _check_copies(conninfo: str, template: _StoreTemplate, schemas: list[str]) -> None:
    """The copies hold as many relations and constraints as the template, and its migration rows."""
    import psycopg

    from tenants.schema_pool import TEMPLATE_SCHEMA

    query = (
        "SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = n.oid), "
        "(SELECT count(*) FROM pg_constraint WHERE connamespace = n.oid) FROM pg_namespace n WHERE nspname = %s"
    )
    with psycopg.connect(conninfo) as conn:
        expected = conn.execute(query, [TEMPLATE_SCHEMA]).fetchone()
        migrations = conn.execute(f'SELECT count(*) FROM "{TEMPLATE_SCHEMA}".django_migrations').fetchone()
        for schema in schemas:
            found = conn.execute(query, [schema]).fetchone()
            assert found == expected, f"{schema}: {found} relations and constraints, the template {expected}"
            copied = conn.execute(f'SELECT count(*) FROM "{schema}".django_migrations').fetchone()
            assert copied == migrations, f"{schema}: {copied} migration rows, the template {migrations}"
