"""How fast a new store is ready: migrations vs cloning a template vs claiming a pooled schema.

Each way provisions complete stores (schema, subdomain, owner, default pages and theme, in one transaction) at
0, 100 and 1,000 existing stores (--quick: 0, 20 and 100), in one run against a throw-away database. With
`--on-pod` the existing and the new stores are all on one local pod server (tools/pods.py), as a pod fills up,
at 0, 1,000 and 5,000 existing stores (--quick: 0, 20 and 100), and the pool is that pod's. The existing stores
are copies of a migrated store made by bench/_setup.py ``add_stores`` (on the pod with bench-only settings that
are undone, and checked undone, before anything is measured). Prints p50/p95 and stores/second per way and level,
the ratio of each way to the pool, the load average, and as its last line the p95 of the way Mercato uses (the
pool) at the largest count.

    .venv/bin/python bench/provisioning.py [--quick] [--on-pod]
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path

from _setup import add_ready_schemas, add_stores, percentile, start, start_local_pods

TARGET_SECONDS = 0.25
WAYS = ("migrate", "clone", "pool")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller store counts and fewer samples")
    parser.add_argument("--on-pod", action="store_true", help="every store on one local pod server")
    parser.add_argument(
        "--ways",
        default=",".join(WAYS),
        help="the ways measured, in this order (default: all three); the pool way is always one of them",
    )
    args = parser.parse_args()
    ways = tuple(way.strip() for way in args.ways.split(",") if way.strip())
    if "pool" not in ways or not set(ways) <= set(WAYS):
        parser.error(f"--ways: some of {', '.join(WAYS)}, the pool among them")
    if args.on_pod:
        levels = (0, 20, 100) if args.quick else (0, 1000, 5000)
    else:
        levels = (0, 20, 100) if args.quick else (0, 100, 1000)
    samples = 8 if args.quick else 20

    # A database of its own for --quick: a quick run started beside a full one must not drop the full one's.
    stop = start("mercato_bench_provisioning" + ("_quick" if args.quick else ""))
    try:
        from django.core.management import call_command

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        with tempfile.TemporaryDirectory(prefix="provisioning-") as folder:
            databases, stop_pods = start_local_pods(1 if args.on_pod else 0, Path(folder))
            try:
                results, loads = run(levels, samples, database=databases[0], ways=ways)
            finally:
                stop_pods()
    finally:
        stop()
    report(results, loads, where=" on one pod" if args.on_pod else "")


def run(
    levels: tuple[int, ...], samples: int, *, database: str, ways: tuple[str, ...] = WAYS
) -> tuple[dict[tuple[int, str], list[float]], dict[int, float]]:
    """Timings per (existing store count, way) for stores placed on ``database``, and the machine's load average
    (1 minute) at the end of each level; the count is what was really there when measuring began."""
    from django.db import connection

    from platform.accounts.models import User
    from tenants.models import Pod, ReadySchema, Store
    from tenants.pods.routing import using_database
    from tenants.schema_pool import create_cloned_schema
    from tenants.services import provision_store

    pod = Pod.objects.filter(database_alias=database).first()
    with using_database(database):
        create_cloned_schema("store_clone_warmup")  # makes the template schema; not timed
    owner = User.objects.create_user(email="bench@example.com", password="bench-password-1")
    names = (f"bench-{n}" for n in itertools.count())
    results: dict[tuple[int, str], list[float]] = {}
    loads: dict[int, float] = {}
    placed = Store.objects.filter(pod=pod)
    for level in levels:
        add_stores("filler", level - placed.count(), database=database)
        existing = placed.count()
        with using_database(database), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class")
            relations = cursor.fetchone()[0]
            cursor.execute("SELECT current_setting('fsync'), current_setting('full_page_writes')")
            fsync, full_page_writes = cursor.fetchone()
        if pod is not None:
            # Measured as on a production pod: the filler's bench-only settings are gone.
            assert (fsync, full_page_writes) == ("on", "on"), (fsync, full_page_writes)
        print(
            f"-- {existing} existing stores{f' on {pod.name}' if pod else ''}: {relations} relations, fsync "
            f"{fsync}, full_page_writes {full_page_writes}, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        # The pool is filled beforehand, as the refill task keeps it in production; untimed, so with copies of the
        # migrated template rather than by the migrations themselves (the same schema, in a fraction of the time).
        add_ready_schemas(samples, database=database)
        for method in ways:
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
        loads[existing] = os.getloadavg()[0]
    return results, loads


def report(results: dict[tuple[int, str], list[float]], loads: dict[int, float], *, where: str = "") -> None:
    levels = sorted({level for level, _ in results})
    print()
    print(f"load average (1 min) after each level: {', '.join(f'{level}: {loads[level]:.1f}' for level in levels)}")
    print(f"{'stores':>7} {'way':<8} {'p50 s':>7} {'p95 s':>7} {'stores/s':>9} {'p95 vs pool':>12}")
    for level in levels:
        pool_p95 = percentile(results[(level, "pool")], 0.95)
        for method in [way for way in WAYS if (level, way) in results]:
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
