"""How fast a new store is ready: migrations vs cloning a template vs claiming a pooled schema.

Each way provisions complete stores (schema, subdomain, owner, default pages and theme, in one transaction) at
0, 100 and 1,000 existing stores (--quick: 0, 20 and 100), in one run against a throw-away database. With
`--on-pod` the existing and the new stores are all on one local pod server (tools/pods.py), as a pod fills up,
at 0, 1,000 and 5,000 existing stores (--quick: 0, 20 and 100), and the pool is that pod's. Prints p50/p95 and
stores/second per way and level, the ratio of each way to the pool, and as its last line the p95 of the way
Mercato uses (the pool) at the largest count.

    .venv/bin/python bench/provisioning.py [--quick] [--on-pod]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

from _setup import percentile, start, start_local_pods

TARGET_SECONDS = 0.25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller store counts and fewer samples")
    parser.add_argument("--on-pod", action="store_true", help="every store on one local pod server")
    args = parser.parse_args()
    if args.on_pod:
        levels = (0, 20, 100) if args.quick else (0, 1000, 5000)
    else:
        levels = (0, 20, 100) if args.quick else (0, 100, 1000)
    samples = 8 if args.quick else 20

    stop = start("mercato_bench_provisioning")
    try:
        from django.core.management import call_command

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        with tempfile.TemporaryDirectory(prefix="provisioning-") as folder:
            databases, stop_pods = start_local_pods(1 if args.on_pod else 0, Path(folder))
            try:
                results = run(levels, samples, database=databases[0])
            finally:
                stop_pods()
    finally:
        stop()
    report(results, where=" on one pod" if args.on_pod else "")


def run(levels: tuple[int, ...], samples: int, *, database: str) -> dict[tuple[int, str], list[float]]:
    """Timings per (existing store count, way) for stores placed on ``database``; the count is what was really
    there when measuring began."""
    from django.db import connection

    from platform.accounts.models import User
    from tenants.models import Pod, ReadySchema, Store
    from tenants.pods.routing import using_database
    from tenants.schema_pool import build_ready_schema, create_cloned_schema
    from tenants.services import provision_store

    pod = Pod.objects.filter(database_alias=database).first()
    with using_database(database):
        create_cloned_schema("store_clone_warmup")  # makes the template schema; not timed
    owner = User.objects.create_user(email="bench@example.com", password="bench-password-1")
    names = (f"bench-{n}" for n in itertools.count())
    results: dict[tuple[int, str], list[float]] = {}
    placed = Store.objects.filter(pod=pod)
    for level in levels:
        with using_database(database):
            add_filler_stores(level - placed.count(), pod=pod)
        existing = placed.count()
        print(f"-- {existing} existing stores{f' on {pod.name}' if pod else ''}", flush=True)
        for _ in range(samples):  # the pool is filled beforehand, as the refill task keeps it in production
            build_ready_schema(pod=pod)
        for method in ("migrate", "clone", "pool"):
            timings = results.setdefault((existing, method), [])
            for _ in range(samples):
                slug = next(names)
                began = time.perf_counter()
                store = provision_store(name=slug, slug=slug, owner=owner, schema_method=method, pod=pod)
                timings.append(time.perf_counter() - began)
                assert store.pod == pod, (store.pod, pod)
            print(
                f"   {method:<8} p50 {percentile(timings, 0.5):.3f} s  p95 {percentile(timings, 0.95):.3f} s",
                flush=True,
            )
        assert ReadySchema.objects.count() == 0, "every pooled schema should have been claimed"
        connection.set_schema_to_public()
    return results


def add_filler_stores(count: int, *, pod: object = None) -> None:
    """Existing stores, made quickly on the database the thread is on (placed on ``pod``): real schemas with every
    table of a migrated store, and their rows."""
    from django.db import connection

    from tenants.models import Store, StoreDomain
    from tenants.schema_pool import TEMPLATE_SCHEMA

    if count <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [TEMPLATE_SCHEMA],
        )
        tables = [row[0] for row in cursor.fetchall()]
    start_index = Store.objects.filter(slug__startswith="filler-").count()
    # A few schemas per statement: each one's CREATE TABLEs hold locks until it commits, and PostgreSQL's lock
    # table (max_locks_per_transaction) runs out at a few thousand.
    batch_size = max(1, 600 // max(1, len(tables)))
    for batch_start in range(0, count, batch_size):
        batch = range(start_index + batch_start, start_index + min(count, batch_start + batch_size))
        statements = []
        for index in batch:
            schema = f"store_filler_{index}"
            statements.append(f'CREATE SCHEMA "{schema}";')
            statements += [
                f'CREATE TABLE "{schema}"."{t}" (LIKE "{TEMPLATE_SCHEMA}"."{t}" INCLUDING ALL);' for t in tables
            ]
        with connection.cursor() as cursor:
            cursor.execute("\n".join(statements))
        stores = Store.objects.bulk_create(
            Store(
                name=f"Filler {i}",
                slug=f"filler-{i}",
                schema_name=f"store_filler_{i}",
                status=Store.Status.ACTIVE,
                pod=pod,
            )
            for i in batch
        )
        StoreDomain.objects.bulk_create(
            StoreDomain(domain=f"filler-{store.slug}.localhost", tenant=store, is_primary=True) for store in stores
        )


def report(results: dict[tuple[int, str], list[float]], *, where: str = "") -> None:
    levels = sorted({level for level, _ in results})
    print()
    print(f"{'stores':>7} {'way':<8} {'p50 s':>7} {'p95 s':>7} {'stores/s':>9} {'p95 vs pool':>12}")
    for level in levels:
        pool_p95 = percentile(results[(level, "pool")], 0.95)
        for method in ("migrate", "clone", "pool"):
            timings = results[(level, method)]
            p95 = percentile(timings, 0.95)
            rate = len(timings) / sum(timings)
            print(
                f"{level:>7} {method:<8} {percentile(timings, 0.5):>7.3f} {p95:>7.3f} {rate:>9.1f} {p95 / pool_p95:>11.1f}x"
            )
    largest = levels[-1]
    p95 = percentile(results[(largest, "pool")], 0.95)
    print(f"provisioning: p95 {p95:.3f} s at {largest} stores{where} (target < {TARGET_SECONDS} s)")


if __name__ == "__main__":
    main()
