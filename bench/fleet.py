"""How fast a new tenant migration reaches every store: the fleet executor against django-tenants' standard one.

Builds N stores (1,000; --quick: 150) spread evenly over P local pod servers (3; `--pods 0`: all on the platform
database) by copying a migrated template schema (bench/_setup.py ``add_stores``: every store has its ~40 tables
with their indexes, constraints and sequences, and the template's migration rows), adds a tenant migration (a
column plus an index on the product table) in a temporary migrations module, applies it to a few extra stores on
the platform database one by one with django-tenants' standard executor (`migrate_schemas --schema`) as the
same-run baseline, then to the N stores with `migrate_stores`' executor, pod after pod as `migrate_stores` does.
Checks every store got the column and the index. The last line is the headline.

    .venv/bin/python bench/fleet.py [--quick] [--stores N] [--pods P] [--workers W]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _setup import add_stores, start, start_local_pods

TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="150 stores and a 10-store baseline")
    parser.add_argument("--stores", type=int, default=None, help="stores the fleet executor migrates")
    parser.add_argument("--baseline", type=int, default=None, help="stores the standard executor migrates")
    parser.add_argument("--pods", type=int, default=3, help="local pod servers the stores are spread over (0: none)")
    parser.add_argument("--workers", type=int, default=2, help="fleet workers per database (one connection each)")
    args = parser.parse_args()
    stores = args.stores or (150 if args.quick else 1000)
    baseline = args.baseline or (10 if args.quick else 30)

    stop = start("mercato_bench_fleet")
    try:
        from django.core.management import call_command

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        with tempfile.TemporaryDirectory(prefix="fleet-probe-") as folder:
            databases, stop_pods = start_local_pods(args.pods, Path(folder))
            try:
                run(stores=stores, baseline=baseline, workers=args.workers, databases=databases, folder=Path(folder))
            finally:
                stop_pods()
    finally:
        stop()


def run(*, stores: int, baseline: int, workers: int, databases: list[str], folder: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from tenants.fleet.runner import migrate_fleet
    from tenants.pods.routing import using_database
    from tenants.schema_pool import TEMPLATE_SCHEMA, create_cloned_schema, create_migrated_schema
    from tools.probe_migration import COLUMN_AND_INDEX, write_probe_migrations

    create_cloned_schema("store_clone_warmup")  # makes the template schema: one store migrated the usual way
    began = time.perf_counter()
    fleet_schemas: dict[str, list[str]] = {}
    for number, database in enumerate(databases):
        share = stores // len(databases) + (1 if number < stores % len(databases) else 0)
        if database != "default":
            with using_database(database):
                create_migrated_schema(TEMPLATE_SCHEMA)  # each pod's own template, migrated the usual way
        fleet_schemas[database] = add_stores(f"fleet{number}", share, database=database)
    baseline_schemas = add_stores("base", baseline, database="default")
    spread = ", ".join(f"{len(names)} on {database}" for database, names in fleet_schemas.items())
    print(f"-- built {stores + baseline} stores in {time.perf_counter() - began:.1f} s ({spread})", flush=True)
    for database in dict.fromkeys([*databases, "default"]):
        with using_database(database), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class")
            relations = cursor.fetchone()[0]
            began = time.perf_counter()
            connection.introspection.table_names(cursor)
            table_list = time.perf_counter() - began
        print(
            f"-- {database}: {relations} relations in the catalog; Django's table list (has_table) takes "
            f"{table_list * 1000:.0f} ms"
        )

    # The new migration exists from here on, as after a deploy that adds it (never written into the app).
    settings.MIGRATION_MODULES = write_probe_migrations(folder, source=COLUMN_AND_INDEX)

    began = time.perf_counter()
    for schema in baseline_schemas:
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
    standard_seconds = time.perf_counter() - began
    standard_rate = baseline / standard_seconds
    print(f"   standard {baseline:>5} stores {standard_seconds:7.1f} s  {standard_rate:7.1f} stores/s", flush=True)

    fleet_seconds = 0.0
    for database, schemas in fleet_schemas.items():
        summary = migrate_fleet(database=database, workers=workers, schemas=schemas, lock_retries=0)
        fleet_seconds += summary.seconds
        print(
            f"   fleet    {len(schemas):>5} stores {summary.seconds:7.1f} s  {len(schemas) / summary.seconds:7.1f} "
            f"stores/s  on {database} ({workers} workers; {dict(summary.ways)})",
            flush=True,
        )
        assert summary.outcomes["done"] == len(schemas), summary.outcomes
        with using_database(database):
            check_migrated(schemas)
    check_migrated(baseline_schemas)
    fleet_rate = stores / fleet_seconds
    where = f"over {len(databases)} pods" if databases != ["default"] else "on one database"
    print(f"-- fleet vs standard: {fleet_rate / standard_rate:.0f}x the rate")
    print(
        f"fleet: {stores} stores migrated in {fleet_seconds:.1f} s {where} (target < {TARGET_SECONDS:.0f} s); "
        f"{fleet_rate / standard_rate:.0f}x django-tenants' standard executor ({standard_rate:.1f} stores/s)"
    )


def check_migrated(schemas: list[str]) -> None:
    """Every store (on the database the thread is on) has the new column and its index, and has recorded the
    migration."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = ANY(%s) "
            "AND table_name = 'catalog_product' AND column_name = 'fleet_probe'",
            [schemas],
        )
        columns = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = ANY(%s) AND indexname = 'catalog_fleet_probe_idx'",
            [schemas],
        )
        indexes = cursor.fetchone()[0]
        recorded = 0
        for schema in schemas:
            cursor.execute(f"SELECT count(*) FROM \"{schema}\".django_migrations WHERE name = '9000_fleet_probe'")
            recorded += cursor.fetchone()[0]
    assert columns == indexes == recorded == len(schemas), (columns, indexes, recorded, len(schemas))


if __name__ == "__main__":
    main()
