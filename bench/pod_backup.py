"""Whether a pod's backup works at thousands of stores: its dump, and one store restored from it.

Starts one local pod server with a production pod's settings (tools/pods.py), fills it with 3,000 complete stores
(--quick: 100) by the benchmarks' shared filler, then runs what `manage.py pods backup --to DIR --pod NAME` runs (one
`pg_dump` of the pod) and what `manage.py pods restore STORE --from DUMP` runs for one store whose schema was
dropped, and checks the restored schema has every table of the template with its rows. Prints the dump's time and
size, the restore's time, and the pod's lock table against the locks one dump takes (one per table and sequence), which is what
limits a whole-pod dump as stores are added. Last line: the dump's time at the largest count.

    .venv/bin/python bench/pod_backup.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _setup import add_stores, start, start_local_pods


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 stores instead of 3,000")
    parser.add_argument("--stores", type=int, default=None, help="stores on the pod")
    args = parser.parse_args()
    count = args.stores or (100 if args.quick else 3000)

    stop = start("mercato_bench_pod_backup" + ("_quick" if args.quick else ""))
    try:
        from django.core.management import call_command

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        with tempfile.TemporaryDirectory(prefix="pod-backup-") as folder:
            databases, stop_pods = start_local_pods(1, Path(folder))
            try:
                run(count, database=databases[0], folder=Path(folder))
            finally:
                stop_pods()
    finally:
        stop()


def run(count: int, *, database: str, folder: Path) -> None:
    from django.db import connections

    from tenants.models import Pod, Store
    from tenants.pods.backups import BackupError, back_up, restore_schema
    from tenants.pods.routing import using_database
    from tenants.schema_pool import create_cloned_schema

    pod = Pod.objects.get(database_alias=database)
    with using_database(database):
        create_cloned_schema("store_clone_warmup")  # makes the template schema the filler copies; not timed
    began = time.perf_counter()
    schemas = add_stores("filler", count, database=database)
    print(f"-- {len(schemas)} stores on {pod.name} in {time.perf_counter() - began:.0f} s", flush=True)

    with connections[database].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE relkind IN ('r', 'p', 'S')), count(*) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT LIKE 'pg\\_%%' "
            "AND n.nspname <> 'information_schema'"
        )
        locked, relations = cursor.fetchone()
        cursor.execute(
            "SELECT current_setting('max_locks_per_transaction')::int * (current_setting('max_connections')::int "
            "+ current_setting('max_prepared_transactions')::int), current_setting('fsync')"
        )
        lock_slots, fsync = cursor.fetchone()
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = cursor.fetchone()[0]
    print(
        f"-- {relations:,} relations in the stores' schemas, {locked:,} of them tables and sequences; the lock table "
        f"holds {lock_slots:,} locks (a dump takes one per table and sequence: {locked / lock_slots:.0%} of it); "
        f"database "
        f"{database_bytes / 1e9:.2f} GB; fsync {fsync}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    began = time.perf_counter()
    try:
        dumps = back_up(folder=folder / "dumps", pod_names=[pod.name])
    except BackupError as error:
        # What an operator would meet: say it as the headline rather than as a traceback.
        print(f"   dump      failed after {time.perf_counter() - began:.1f} s: {str(error).splitlines()[-2:]}")
        print(f"pod backup: the whole-pod dump FAILED at {len(schemas)} stores on one pod ({lock_slots:,} lock slots)")
        return
    dump = dumps[0]
    print(f"   dump      {dump.seconds:7.1f} s  {dump.size_bytes / 1e6:8.1f} MB  {dump.path.name}", flush=True)

    victim = Store.objects.get(schema_name=schemas[len(schemas) // 2])
    with connections[database].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [victim.schema_name])
        tables_before = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{victim.schema_name}".django_migrations')
        migrations_before = cursor.fetchone()[0]
        cursor.execute(f'DROP SCHEMA "{victim.schema_name}" CASCADE')
    began = time.perf_counter()
    restore_schema(alias=database, schema_name=victim.schema_name, dump=dump.path)
    restore_seconds = time.perf_counter() - began
    with connections[database].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [victim.schema_name])
        tables_after = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{victim.schema_name}".django_migrations')
        migrations_after = cursor.fetchone()[0]
    assert (tables_after, migrations_after) == (tables_before, migrations_before), (
        tables_before,
        tables_after,
        migrations_before,
        migrations_after,
    )
    print(
        f"   restore   {restore_seconds:7.1f} s  one store ({victim.schema_name}: {tables_after} tables, "
        f"{migrations_after} migration rows, as before)",
        flush=True,
    )
    print(
        f"pod backup: dump {dump.seconds:.1f} s ({dump.size_bytes / 1e6:.0f} MB) and one store restored in "
        f"{restore_seconds:.1f} s at {len(schemas)} stores on one pod"
    )


if __name__ == "__main__":
    main()
