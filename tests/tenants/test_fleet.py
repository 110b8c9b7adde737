"""Fleet migrations: the same schema as django-tenants' own migrate, one store at a time, resumable after a crash,
a busy store left for later without stalling the others, and nothing done to a store outside its own turn.

Each test makes its own stores (copies of a migrated template schema, committed, dropped afterwards) and a new
tenant migration in a temporary migrations module (tools.probe_migration); the session stores are never touched.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django_tenants.utils import schema_context, schema_exists

from tenants.fleet.models import SchemaMigrationStatus
from tenants.fleet.runner import RunSummary, migrate_fleet
from tenants.fleet.selectors import current_target
from tenants.models import ReadySchema, Store
from tenants.schema_pool import claim_ready_schema, create_cloned_schema, tenant_migrations_fingerprint
from tests.conftest import child_env, database_url_for_tests
from tests.support import REPO, WAIT_TIMEOUT, wait_until
from tests.tenants.test_schema_pool import describe
from tools.probe_migration import write_probe_migrations

pytestmark = pytest.mark.slow  # every test copies store schemas (and the first one migrates the template)

Status = SchemaMigrationStatus.Status

# A column, an index, a new table with a foreign key (its constraint and index are deferred SQL), and a data
# migration that writes, in every product, the schema of the store the connection is set to.
PROBE = """
from django.db import connection, migrations, models
import django.db.models.deletion


def stamp(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    Product.objects.update(fleet_probe=connection.tenant.schema_name)
    # EXTRA


class Migration(migrations.Migration):
    dependencies = [({app_label!r}, {leaf!r})]

    operations = [
        migrations.AddField("product", "fleet_probe", models.CharField(max_length=64, default="", blank=True)),
        migrations.AddIndex("product", models.Index(fields=["fleet_probe"], name="catalog_fleet_probe_idx")),
        migrations.CreateModel(
            name="FleetProbeNote",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("text", models.TextField()),
                ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="catalog.product")),
            ],
        ),
        migrations.RunPython(stamp, migrations.RunPython.noop),
    ]
"""


def probe(extra: str = "") -> str:
    return PROBE.replace("    # EXTRA", textwrap.indent(textwrap.dedent(extra).strip(), "    ") if extra else "")


@pytest.fixture
def new_migration(settings, tmp_path) -> Iterator[Callable[[str], None]]:
    """Install a new tenant migration (the probe, with ``extra`` lines in its data migration) for this test."""

    def install(source: str) -> None:
        folder = tmp_path / f"modules{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        settings.MIGRATION_MODULES = write_probe_migrations(folder, source=source)
        tenant_migrations_fingerprint.cache_clear()
        current_target.cache_clear()

    yield install
    tenant_migrations_fingerprint.cache_clear()
    current_target.cache_clear()


@pytest.fixture
def make_store(committed) -> Iterator[Callable[[str], Store]]:
    """Committed stores whose schemas are copies of a freshly migrated one, each with one product."""
    from storefront.catalog.services import create_product

    made: list[str] = []

    def make(slug: str) -> Store:
        schema = f"store_fleet_{slug}"
        made.append(schema)
        create_cloned_schema(schema)
        store = Store.objects.create(name=slug, slug=f"fleet-{slug}", schema_name=schema, status=Store.Status.ACTIVE)
        with schema_context(schema):
            create_product(title=f"{slug} lamp", price=Decimal("12.00"))
        return store

    yield make
    connection.set_schema_to_public()
    SchemaMigrationStatus.objects.filter(schema_name__in=made).delete()
    Store.objects.filter(schema_name__in=made).delete()
    with connection.cursor() as cursor:
        for schema in made:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def statuses(*stores: Store) -> dict[str, str]:
    rows = SchemaMigrationStatus.objects.filter(schema_name__in=[s.schema_name for s in stores])
    return {row.schema_name.removeprefix("store_fleet_"): row.status for row in rows}


def has_probe_column(store: Store) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = 'catalog_product' "
            "AND column_name = 'fleet_probe'",
            [store.schema_name],
        )
        return cursor.fetchone() is not None


def stamps(store: Store) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT fleet_probe FROM "{store.schema_name}".catalog_product')
        return [row[0] for row in cursor.fetchall()]


def content_types(store: Store) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app_label, model FROM "{store.schema_name}".django_content_type ORDER BY 1, 2')
        return cursor.fetchall()


def test_the_fleet_executor_builds_exactly_the_schema_django_tenants_migrate_builds(make_store, new_migration):
    pilot, replayed, standard = make_store("pilot"), make_store("replayed"), make_store("standard")
    new_migration(probe())

    summary = migrate_fleet(schemas=[pilot.schema_name, replayed.schema_name], workers=1)
    call_command("migrate_schemas", schema_name=standard.schema_name, interactive=False, verbosity=0)
    connection.set_schema_to_public()

    # The first store ran Django's operations; the second got the recorded statements and its own data migration.
    assert dict(summary.ways) == {"pilot": 1, "replay": 1}
    expected = describe(standard.schema_name)
    assert any(row[1] == "catalog_fleet_probe_idx" for row in expected["indexes"])
    assert any(row[0] == "catalog_fleetprobenote" for row in expected["columns"])
    assert describe(pilot.schema_name) == expected
    assert describe(replayed.schema_name) == expected
    assert content_types(pilot) == content_types(replayed) == content_types(standard)
    assert ("catalog", "fleetprobenote") in content_types(replayed)
    # The data migration ran once in each store, with that store set as the connection's tenant.
    assert stamps(pilot) == [pilot.schema_name]
    assert stamps(replayed) == [replayed.schema_name]
    assert stamps(standard) == [standard.schema_name]


def test_a_run_touches_only_the_stores_it_migrates_and_records_each_ones_status(make_store, new_migration):
    first, second, outside = make_store("first"), make_store("second"), make_store("outside")
    new_migration(probe())

    migrate_fleet(schemas=[first.schema_name, second.schema_name], workers=2)

    assert statuses(first, second, outside) == {"first": "done", "second": "done"}
    assert stamps(first) == [first.schema_name] and stamps(second) == [second.schema_name]
    assert not has_probe_column(outside)
    rows = SchemaMigrationStatus.objects.filter(schema_name__in=[first.schema_name, second.schema_name])
    assert {(row.store_id, row.applied, row.target) for row in rows} == {
        (first.pk, 1, current_target()),
        (second.pk, 1, current_target()),
    }
    # A second run finds both current and does nothing.
    again = migrate_fleet(schemas=[first.schema_name, second.schema_name, outside.schema_name])
    assert again.considered == 1 and dict(again.ways) == {"pilot": 1}
    assert stamps(outside) == [outside.schema_name]


def test_a_store_whose_migration_fails_is_marked_with_the_error_and_retried_once_fixed(make_store, new_migration):
    good, bad = make_store("good"), make_store("bad")
    new_migration(probe(f'if connection.schema_name == "{bad.schema_name}":\n    raise ValueError("bad data here")'))

    with pytest.raises(CommandError, match="1 schema"):
        call_command("migrate_stores", schema=[good.schema_name, bad.schema_name], workers=1, verbosity=0)

    assert statuses(good, bad) == {"good": "done", "bad": "failed"}
    row = SchemaMigrationStatus.objects.get(schema_name=bad.schema_name)
    assert "ValueError: bad data here" in row.error
    assert not has_probe_column(bad)  # its transaction was rolled back whole
    finished = SchemaMigrationStatus.objects.get(schema_name=good.schema_name).finished_at

    # A plain rerun leaves the failed store alone until asked.
    rerun = migrate_fleet(schemas=[good.schema_name, bad.schema_name])
    assert (rerun.considered, rerun.left_failed) == (0, 1)
    new_migration(probe())  # the migration fixed, under the same name
    summary = migrate_fleet(schemas=[good.schema_name, bad.schema_name], retry_failed=True)

    assert summary.considered == 1 and summary.outcomes["done"] == 1
    assert statuses(good, bad) == {"good": "done", "bad": "done"}
    assert stamps(bad) == [bad.schema_name]
    assert SchemaMigrationStatus.objects.get(schema_name=good.schema_name).finished_at == finished
    assert SchemaMigrationStatus.objects.get(schema_name=bad.schema_name).attempts == 2


def test_a_run_killed_mid_way_is_taken_up_where_it_stopped(make_store, new_migration, tmp_path):
    first, killed, last = make_store("a_first"), make_store("b_killed"), make_store("c_last")
    schemas = [first.schema_name, killed.schema_name, last.schema_name]
    # The process dies (SIGKILL: no cleanup at all) in the middle of the second store's migration.
    kill = f'if connection.schema_name == "{killed.schema_name}":\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)'
    folder = tmp_path / "killing"
    folder.mkdir()
    modules = write_probe_migrations(folder, source=probe(kill))
    driver = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(folder)!r})
        import django
        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        settings.MIGRATION_MODULES = {modules!r}
        call_command("migrate_stores", schema={schemas!r}, workers=1)
    """)
    result = subprocess.run(
        [sys.executable, "-c", driver], cwd=REPO, env=child_env(), capture_output=True, text=True,
        timeout=WAIT_TIMEOUT * 3,
    )  # fmt: skip
    assert result.returncode == -9, result.stderr[-2000:]

    assert statuses(first, killed, last) == {"a_first": "done", "b_killed": "migrating", "c_last": "pending"}
    assert has_probe_column(first) and not has_probe_column(killed) and not has_probe_column(last)
    finished = SchemaMigrationStatus.objects.get(schema_name=first.schema_name).finished_at

    new_migration(probe())
    summary = migrate_fleet(schemas=schemas, workers=1)

    assert summary.considered == 2 and summary.outcomes["done"] == 2
    assert statuses(first, killed, last) == {"a_first": "done", "b_killed": "done", "c_last": "done"}
    assert [stamps(store) for store in (first, killed, last)] == [[s] for s in schemas]
    assert SchemaMigrationStatus.objects.get(schema_name=first.schema_name).finished_at == finished


def test_a_store_held_by_a_long_transaction_is_left_for_later_and_keeps_serving(make_store, new_migration):
    held, free = make_store("a_held"), make_store("b_free")
    schemas = [held.schema_name, free.schema_name]
    new_migration(probe())
    table = f'"{held.schema_name}".catalog_product'

    # Another connection reads the held store's products in a transaction left open: ACCESS SHARE on the table,
    # which the migration's ALTER TABLE must wait for.
    with psycopg.connect(database_url_for_tests()) as holder:
        holder.execute(f"SELECT count(*) FROM {table}").fetchone()
        run: dict[str, object] = {}

        def migrate_in_the_background() -> None:
            try:
                run["summary"] = migrate_fleet(schemas=schemas, workers=1, lock_timeout="1s", lock_retries=0)
            finally:
                connections.close_all()  # this thread's own connection

        thread = threading.Thread(target=migrate_in_the_background)
        thread.start()
        wait_until(lambda: backend_waiting_for_a_lock_on(held), what="the migration to wait for the held table")
        # A request's query arriving now queues behind the waiting ALTER TABLE. Without a lock timeout it would wait
        # as long as the open transaction lasts (here: for ever); with one it is served once the migration gives up.
        with psycopg.connect(database_url_for_tests(), autocommit=True) as visitor:
            visitor.execute(f"SET statement_timeout = '{int(WAIT_TIMEOUT)}s'")
            assert visitor.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)
        thread.join(WAIT_TIMEOUT)
        summary = run["summary"]
        assert isinstance(summary, RunSummary) and dict(summary.outcomes) == {"busy": 1, "done": 1}
        assert statuses(held, free) == {"a_held": "pending", "b_free": "done"}
        assert "lock was not granted" in SchemaMigrationStatus.objects.get(schema_name=held.schema_name).error
        assert not has_probe_column(held) and has_probe_column(free)
        holder.rollback()

    summary = migrate_fleet(schemas=schemas)
    assert summary.considered == 1 and summary.outcomes["done"] == 1
    assert statuses(held, free) == {"a_held": "done", "b_free": "done"}
    assert stamps(held) == [held.schema_name]


def backend_waiting_for_a_lock_on(store: Store) -> bool:
    with psycopg.connect(database_url_for_tests(), autocommit=True) as watcher:
        row = watcher.execute(
            "SELECT 1 FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
            [f'"{store.schema_name}".catalog_product'],
        ).fetchone()
    return row is not None


def test_pooled_schemas_are_migrated_and_stay_claimable(make_store, new_migration, committed):
    create_cloned_schema("pool_fleetprobe")  # built before the deploy that adds the migration
    entry = ReadySchema.objects.create(schema_name="pool_fleetprobe", migrations_fingerprint="built-before")
    new_migration(probe())
    try:
        summary = migrate_fleet(schemas=["pool_fleetprobe"])
        assert summary.outcomes["done"] == 1 and dict(summary.ways) == {"pilot": 1}
        entry.refresh_from_db()
        assert entry.migrations_fingerprint == tenant_migrations_fingerprint()
        row = SchemaMigrationStatus.objects.get(schema_name="pool_fleetprobe")
        assert (row.kind, row.status, row.store_id) == ("pool", "done", None)
        with transaction.atomic():
            assert claim_ready_schema("store_fleet_claimed")
        assert schema_exists("store_fleet_claimed")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM store_fleet_claimed.django_migrations WHERE name = '9000_fleet_probe'")
            assert cursor.fetchone() == (1,)
    finally:
        ReadySchema.objects.filter(schema_name="pool_fleetprobe").delete()
        SchemaMigrationStatus.objects.filter(schema_name="pool_fleetprobe").delete()
        with connection.cursor() as cursor:
            cursor.execute('DROP SCHEMA IF EXISTS "pool_fleetprobe" CASCADE')
            cursor.execute('DROP SCHEMA IF EXISTS "store_fleet_claimed" CASCADE')


NON_ATOMIC = """
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [({app_label!r}, {leaf!r})]

    operations = [
        migrations.AddField("product", "fleet_probe", models.CharField(max_length=64, default="", blank=True)),
        AddIndexConcurrently("product", models.Index(fields=["fleet_probe"], name="catalog_fleet_probe_idx")),
    ]
"""


def test_a_migration_that_cannot_run_in_a_transaction_is_applied_store_by_store(make_store, new_migration):
    first, second = make_store("first"), make_store("second")
    new_migration(NON_ATOMIC)

    summary = migrate_fleet(schemas=[first.schema_name, second.schema_name], workers=2)

    assert dict(summary.ways) == {"direct": 2}
    assert statuses(first, second) == {"first": "done", "second": "done"}
    for store in (first, second):
        indexes = [row[1] for row in describe(store.schema_name)["indexes"]]
        assert "catalog_fleet_probe_idx" in indexes
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM \"{store.schema_name}\".django_migrations WHERE name = '9000_fleet_probe'"
            )
            assert cursor.fetchone() == (1,)


DROP_A_FOREIGN_KEY = """
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [({app_label!r}, {leaf!r})]

    operations = [
        migrations.AlterField(
            "productvariant",
            "product",
            models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="variants", to="catalog.product",
                db_constraint=False,
            ),
        ),
    ]
"""


def test_a_store_whose_tables_differ_from_the_pilots_is_migrated_by_djangos_own_executor(make_store, new_migration):
    pilot, drifted = make_store("a_pilot"), make_store("b_drifted")
    with connection.cursor() as cursor:
        # Someone renamed a constraint by hand in one store: the pilot's DROP CONSTRAINT names the wrong one there.
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' AND conname LIKE %s",
            [f'"{drifted.schema_name}".catalog_productvariant', "%product_id%"],
        )
        (name,) = cursor.fetchone()
        cursor.execute(
            f'ALTER TABLE "{drifted.schema_name}".catalog_productvariant RENAME CONSTRAINT "{name}" TO hand_made_fk'
        )
    new_migration(DROP_A_FOREIGN_KEY)

    summary = migrate_fleet(schemas=[pilot.schema_name, drifted.schema_name], workers=1)

    assert dict(summary.ways) == {"pilot": 1, "standard": 1}
    assert statuses(pilot, drifted) == {"a_pilot": "done", "b_drifted": "done"}
    assert describe(drifted.schema_name) == describe(pilot.schema_name)
