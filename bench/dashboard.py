"""Seller pages at scale: the dashboard's product list and search, order list and filters, sales overview and export.

Builds one store with 20,000 products and 100,000 orders (one line each, spread over 52 days) in a throw-away
database, with bulk SQL (``INSERT … SELECT … FROM generate_series``), then requests each page as the signed-in
owner through the whole stack (routing, middleware, view, template) with Django's test client, in this process:

- product list, product search, a search for a word every title contains (20,000 products);
- order list, order list filtered (status and a week of days), order search (by email), sales overview
  (100,000 orders);
- the order CSV export of all 100,000 orders: the time to its first byte (p95, like the pages), the time to
  its last, and the peak of Python memory while it is read to the end, beside the same peak for a tenth of the
  orders: a streamed export's peak does not grow with the number of orders.

Prints p50/p95 and the statement count of each page, and as its last line the worst p95 and its target:
``dashboard: p95 X ms at 100,000 orders (target < 150 ms)``.

    .venv/bin/python bench/dashboard.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from datetime import timedelta

from _setup import percentile, start

PRODUCTS = 20_000
ORDERS = 100_000
TARGET_MS = 150.0
HOST = "bench-dashboard.localhost"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples per page")
    args = parser.parse_args()
    samples = 15 if args.quick else 60
    # As production: no query log, no template debugging (the statement counts below switch the log on briefly).
    os.environ["MERCATO_DEBUG"] = "false"

    stop = start("mercato_bench_dashboard")
    try:
        store, owner = seed()
        pages = measure_pages(store, owner, samples)
        export = measure_export(store, owner, samples)
    finally:
        stop()
    report(pages, export)


def _insert_series(model: type, count_or_source: int | str, expressions: dict[str, str]) -> None:
    """INSERT one row per ``n`` in 1..count (or per row ``p`` of a FROM clause), every column given: the
    expressions for the named fields, now() for automatic times, the field's default for the rest."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.name in expressions:
            values.append(expressions[field.name])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    source = f"generate_series(1, {int(count_or_source)}) AS n" if isinstance(count_or_source, int) else count_or_source
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} FROM {source}'
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def seed():
    """The store, its catalogue and orders, and a signed-in owner; returns (store, owner)."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from platform.accounts.models import User
    from storefront.catalog.models import Product, ProductVariant
    from storefront.orders.models import Order, OrderLine
    from storefront.orders.sales_days import rebuild_sales_days
    from tenants.models import Membership
    from tenants.services import provision_store

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    began = time.perf_counter()
    store = provision_store(name="Bench Dashboard", slug="bench-dashboard")
    owner = User.objects.create_user(email="owner@bench.test", password="a bench password 42")
    Membership.objects.create(store=store, user=owner, role="owner")
    with schema_context(store.schema_name):
        _insert_series(
            Product,
            PRODUCTS,
            {
                "title": "'Bench Product ' || lpad(n::text, 5, '0')",
                "slug": "'bench-product-' || n",
                "description": "'<p>A sturdy, handsome thing, number ' || n || '.</p>'",
                "price": "(5 + mod(n, 200))::numeric + 0.99",
                "status": "(ARRAY['active', 'active', 'active', 'draft'])[1 + mod(n, 4)]",
            },
        )
        _insert_series(
            ProductVariant,
            "catalog_product AS p",
            {"product": "p.id", "sku": "'B-' || p.id", "price": "p.price", "stock": "mod(p.id, 50)::int"},
        )
        statuses = "ARRAY['paid', 'fulfilled', 'delivered', 'pending_payment', 'cancelled', 'partially_fulfilled']"
        created = "(now() - n * interval '45 seconds')"
        _insert_series(
            Order,
            ORDERS,
            {
                "token": "'bench-token-' || n",
                "checkout_key": "'bench-key-' || n",
                "email": "'buyer' || mod(n, 5000) || '@example.com'",
                "site_url": f"'http://{HOST}'",
                "status": f"({statuses})[1 + mod(n, 6)]",
                "stock_state": "'committed'",
                "currency": "'USD'",
                "ship_name": "'Buyer ' || n",
                "ship_line1": "n || ' Market Street'",
                "ship_city": "'Springfield'",
                "ship_postal_code": "'12345'",
                "ship_country": "'US'",
                "shipping_method": "'Standard'",
                "subtotal": "(10 + mod(n, 90))::numeric",
                "discount_total": "0",
                "shipping_total": "5",
                "tax_total": "0",
                "total": "(15 + mod(n, 90))::numeric",
                "refunded_total": "CASE WHEN mod(n, 50) = 0 THEN 5 ELSE 0 END",
                "reserved_until": f"{created} + interval '30 minutes'",
                "created_at": created,
                "paid_at": f"CASE WHEN mod(n, 6) IN (3, 4) THEN NULL ELSE {created} + interval '1 minute' END",
            },
        )
        first_variant = ProductVariant.objects.order_by("pk").values_list("pk", flat=True).first()
        _insert_series(
            OrderLine,
            f"orders_order AS o JOIN catalog_productvariant AS v ON v.id = {first_variant} + mod(o.id, {PRODUCTS})"
            " JOIN catalog_product AS p ON p.id = v.product_id",
            {
                "order": "o.id",
                "variant": "v.id",
                "sku": "v.sku",
                "title": "p.title",
                "unit_price": "o.subtotal",
                "quantity": "1",
                "line_total": "o.subtotal",
            },
        )
        # The sales day totals the order services keep as orders are paid, made as a store's migration backfills
        # them (the orders above were inserted behind the services' back).
        rebuild_sales_days()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by then: index-only scans need it
    print(f"seeded {PRODUCTS:,} products and {ORDERS:,} orders in {time.perf_counter() - began:.1f} s")
    return store, owner


def _client(store, owner):
    from django.test import Client
    from django_tenants.utils import schema_context

    client = Client(HTTP_HOST=HOST)
    with schema_context(store.schema_name):
        client.force_login(owner)
    return client


def _pages(store) -> dict[str, str]:
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from platform.kit.keyset import row_key
    from storefront.catalog.models import Product
    from storefront.orders.models import Order

    week_ago = (timezone.now() - timedelta(days=7)).date().isoformat()
    # Deep pages are keyset pages: the link "Next" on page 200 (products) and "Older orders" on page 1000 carry
    # the key of the last row of the page before; it is read here once, as a seller clicking through would have.
    with schema_context(store.schema_name):
        product = Product.objects.order_by("title", "id")[199 * 50 - 1]
        order = Order.objects.order_by("-created_at", "-id")[999 * 50 - 1]
    return {
        "product list": "/dashboard/products/",
        "product search": "/dashboard/products/?q=Product%201234",
        # A word every title contains: the first page of 20,000 matches.
        "product search, all titles": "/dashboard/products/?q=Product",
        "product list, page 200": f"/dashboard/products/?after={row_key(product, ('title', 'id'))}",
        "order list": "/dashboard/orders/",
        "order list, filtered": f"/dashboard/orders/?status=paid&created_from={week_ago}",
        "order list, to ship": "/dashboard/orders/?fulfilment=unfulfilled",
        "order search": "/dashboard/orders/?q=buyer42%40example.com",
        "order list, page 1000": f"/dashboard/orders/?after={row_key(order, ('-created_at', '-id'))}",
        "sales overview": "/dashboard/sales/",
    }


def measure_pages(store, owner, samples: int) -> dict[str, dict[str, float]]:
    from django.db import connection

    client = _client(store, owner)
    results = {}
    for name, path in _pages(store).items():
        statements = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        times = []
        for _ in range(samples):
            began = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        results[name] = {
            "p50": percentile(times, 0.5),
            "p95": percentile(times, 0.95),
            "statements": len(statements),
        }
    return results


def _read_export(client, path: str) -> tuple[float, float, int]:
    """Milliseconds to the first chunk and to the last, and the number of lines."""
    began = time.perf_counter()
    response = client.get(path)
    chunks = iter(response.streaming_content)
    first = next(chunks)
    first_ms = (time.perf_counter() - began) * 1000
    lines = first.count(b"\n") + sum(chunk.count(b"\n") for chunk in chunks)
    return first_ms, (time.perf_counter() - began) * 1000, lines


def _peak_memory(client, path: str) -> tuple[float, int]:
    """Peak of Python's allocations (MB) while the export at ``path`` is read to its end, and its lines."""
    tracemalloc.start()
    try:
        _, _, lines = _read_export(client, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6, lines


def measure_export(store, owner, samples: int) -> dict[str, float]:
    from django.utils import timezone

    client = _client(store, owner)
    path = "/dashboard/orders/export.csv"
    first_bytes, whole_ms, lines = [], 0.0, 0
    for index in range(samples):
        if index < 2:  # two full reads: how long the whole file takes
            first_ms, whole_ms, lines = _read_export(client, path)
        else:  # the first byte only: the rest of the file is left unread (the response is closed)
            began = time.perf_counter()
            response = client.get(path)
            next(iter(response.streaming_content))
            first_ms = (time.perf_counter() - began) * 1000
            response.close()
        first_bytes.append(first_ms)
    # A tenth of the orders: the last 5.2 days of the 52.
    recent = (timezone.now() - timedelta(days=5, hours=5)).date().isoformat()
    small_peak, small_lines = _peak_memory(client, f"{path}?created_from={recent}")
    full_peak, full_lines = _peak_memory(client, path)
    return {
        "first_byte_p50": percentile(first_bytes, 0.5),
        "first_byte_p95": percentile(first_bytes, 0.95),
        "whole_ms": whole_ms,
        "lines": lines,
        "small_peak_mb": small_peak,
        "small_lines": small_lines,
        "full_peak_mb": full_peak,
        "full_lines": full_lines,
    }


def report(pages: dict[str, dict[str, float]], export: dict[str, float]) -> None:
    print()
    print(f"{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'statements':>11}")
    for name, figures in pages.items():
        print(f"{name:<26} {figures['p50']:>8.1f} {figures['p95']:>8.1f} {figures['statements']:>11}")
    print(f"{'order export, first byte':<26} {export['first_byte_p50']:>8.1f} {export['first_byte_p95']:>8.1f}")
    print(
        f"order export: {export['lines'] - 1:,.0f} orders in {export['whole_ms'] / 1000:.1f} s; peak Python memory "
        f"{export['full_peak_mb']:.1f} MB for {export['full_lines'] - 1:,.0f} orders, "
        f"{export['small_peak_mb']:.1f} MB for {export['small_lines'] - 1:,.0f}"
    )
    worst = max([figures["p95"] for figures in pages.values()] + [export["first_byte_p95"]])
    print(f"dashboard: p95 {worst:.0f} ms at {ORDERS:,} orders (target < {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
