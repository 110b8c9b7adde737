"""How long a store is read-only while it moves between pods: move_store's COPY through Django's connections, beside
``pg_dump -n SCHEMA | psql`` of the same schema between the same two servers.

Starts two private pod servers (tools/pods.py) and a throw-away platform database, makes one store on pod1 with
2,000 products and 1,000 orders (--quick: 200 and 100), moves it to pod2 and back with a ready schema waiting in
each pod's pool (the move claims it), then to pod2 and back again with the pools empty (the move makes the schema
by the migrations), then times pg_dump | psql of its schema from pod1 to pod2 (dropped afterwards) as the
alternative. The last line is the longest read-only time of the four moves.

    .venv/bin/python bench/pod_move.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _setup import start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 products and 100 orders")
    args = parser.parse_args()
    products, orders = (200, 100) if args.quick else (2000, 1000)

    from tools.pods import free_ports, start_pods

    run_dir = Path(tempfile.mkdtemp(prefix="mercato-bench-pods-"))
    run_dir.chmod(0o755)
    pods = start_pods(2, run_dir=run_dir, ports=free_ports(2))
    os.environ.update(pods.env())
    stop = start("mercato_bench_pod_move")
    try:
        run(products, orders, pods.urls())
    finally:
        stop()
        pods.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def run(product_count: int, order_count: int, urls: dict[str, str]) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from storefront.catalog.services import create_product
    from storefront.orders.models import Order, OrderLine
    from tenants.pods.routing import store_context
    from tenants.pods.services import add_pod, move_store
    from tenants.schema_pool import build_ready_schema, pool_of
    from tenants.services import provision_store

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    pod1, pod2 = add_pod(name="pod1"), add_pod(name="pod2")
    store = provision_store(name="Moving Store", slug="moving", schema_method="migrate", pod=pod1)
    started = time.monotonic()
    with store_context(store), transaction.atomic():
        # Drafts: the store's free plan caps its active products; a draft has the same rows to move.
        for number in range(product_count):
            create_product(
                title=f"Lantern {number}", price=Decimal("19.90"), sku=f"L-{number}", stock=5, status="draft"
            )
        for number in range(order_count):
            order = Order.objects.create(
                token=f"t-{number}", checkout_key=f"k-{number}", email=f"buyer{number}@example.com",
                site_url="http://moving.localhost", currency="USD", ship_name=f"Buyer {number}",
                ship_line1="1 Main St", ship_city="Springfield", ship_region="IL", ship_postal_code="62701",
                ship_country="US", shipping_method="Standard", subtotal=Decimal("39.80"),
                discount_total=Decimal("0"), shipping_total=Decimal("0"), tax_total=Decimal("0"),
                total=Decimal("39.80"), status="paid", stock_state="committed", reserved_until=timezone.now(),
                paid_at=timezone.now(),
            )  # fmt: skip
            OrderLine.objects.create(
                order=order, sku="L-1", title="Lantern 1", quantity=2, unit_price=Decimal("19.90"),
                line_total=Decimal("39.80"),
            )  # fmt: skip
    print(f"store with {product_count} products and {order_count} orders made in {time.monotonic() - started:.1f} s")

    moves = []
    # Built before the timed moves, as the refill task keeps each open pod's pool.
    for pod in (pod1, pod2):
        build_ready_schema(pod=pod)
    for to_pod in (pod2, pod1, pod2, pod1):
        report = move_store(store=store, to_pod=to_pod)
        store.refresh_from_db()
        moves.append(report.seconds)
        how = "claimed from the pool" if report.schema_claimed else "by migrations"
        print(
            f"move {report.source} -> {report.target}: {report.tables} tables, {report.rows} rows, read-only "
            f"{report.seconds:.2f} s (schema {how} {report.schema_seconds:.2f} s, "
            f"rows + sequences + counts {report.copy_seconds:.2f} s)",
            flush=True,
        )
    assert not pool_of(pod1).exists() and not pool_of(pod2).exists()

    # The alternative: the schema with its rows, dumped as SQL and replayed, in one transaction on the target.
    started = time.monotonic()
    dump = subprocess.Popen(["pg_dump", "--no-owner", "-n", store.schema_name, urls["pod1"]], stdout=subprocess.PIPE)
    subprocess.run(
        ["psql", "-q", "-X", "--single-transaction", "-v", "ON_ERROR_STOP=1", urls["pod2"]],
        stdin=dump.stdout, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    assert dump.wait() == 0
    print(f"pg_dump -n {store.schema_name} | psql, pod1 -> pod2: {time.monotonic() - started:.2f} s", flush=True)
    subprocess.run(
        ["psql", "-q", "-X", "-c", f'DROP SCHEMA "{store.schema_name}" CASCADE', urls["pod2"]],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"pod move: read-only {max(moves):.2f} s for {product_count} products and {order_count} orders")


if __name__ == "__main__":
    main()
