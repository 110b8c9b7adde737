"""Storefront throughput: Mercato's store pages over HTTP against two baselines served the same way, in one run.

Seeds 20 stores x 2,000 products (--quick: 5 x 2,000) in a throw-away database, then runs three gunicorns (2 sync
workers each, as production) and drives them with wrk from a second process on loopback:

- constant: a Django view returning a constant string (the ceiling of the stack);
- plain: a store's product-list page (24 of 2,000 products) served single-tenant: the same code and queries with
  no routing (bench/single_tenant_settings.py);
- Mercato's home, collection, product and product-list pages of random stores, through the real routing, with
  the page cache off (what a fresh page costs) and on (what anonymous buyers get).

The three servers run side by side; the four figures the ratios use are measured in short runs that take turns
(constant, cached list, plain list, routed list; 5 rounds, --quick: 3), so load from elsewhere on the machine
weighs on a figure and its baseline alike. Prints requests/s, p50 and p99 for each (the median run), each
round's ratios, and as its last line the median ratios and their targets:
routing = product list through routing / plain; cached = cached product list / constant.

    .venv/bin/python bench/storefront.py [--quick]

With MERCATO_PAGE_COPY=true in the environment, the cached server's workers also answer from their own copy of
the pages (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _setup import REPO, start

ROUTING_TARGET = 0.95
CACHED_TARGET = 0.80
PRODUCTS_PER_STORE = 2000
PAGES = PRODUCTS_PER_STORE // 24 + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 stores and shorter runs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    store_count, seconds, rounds = (5, 3, 3) if args.quick else (20, 5, 5)

    stop = start("mercato_bench_storefront")
    try:
        stores = seed(store_count)
        results = measure(stores, seconds, rounds)
    finally:
        stop()
    report(results)


def seed(store_count: int) -> list[tuple[str, str]]:
    """Stores with PRODUCTS_PER_STORE active products each and a collection; returns (slug, host) pairs."""
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from storefront.catalog.models import Collection, Product, ProductVariant
    from tenants.services import provision_store

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    stores = []
    began = time.perf_counter()
    for index in range(store_count):
        store = provision_store(name=f"Bench Store {index}", slug=f"bench-{index}")
        with schema_context(store.schema_name):
            products = Product.objects.bulk_create(
                Product(
                    title=f"Bench Product {n:04d}",
                    slug=f"bench-product-{n}",
                    description=f"<p>A sturdy, handsome thing, number {n}.</p>",
                    price=Decimal(5 + n % 200) + Decimal("0.99"),
                    status=Product.Status.ACTIVE,
                )
                for n in range(PRODUCTS_PER_STORE)
            )
            ProductVariant.objects.bulk_create(
                ProductVariant(product=product, sku=f"B{store.pk}-{product.pk}", price=product.price, stock=10)
                for product in products
            )
            Collection.objects.create(title="All goods", slug="all-goods", kind="rule", rule_min_price=Decimal("0"))
        stores.append((store.slug, f"{store.slug}.localhost"))
    print(f"seeded {store_count} stores x {PRODUCTS_PER_STORE} products in {time.perf_counter() - began:.1f} s")
    return stores


def measure(stores: list[tuple[str, str]], seconds: int, rounds: int) -> dict[str, dict[str, float]]:
    """Each figure the ratios use is measured in ``rounds`` short runs, taking turns with its baseline, with all
    three servers up: a load that comes and goes on the machine then weighs on both sides of a ratio alike."""
    workdir = Path(tempfile.mkdtemp(prefix="mercato-bench-"))
    hosts = [host for _, host in stores]
    results: dict[str, dict[str, float]] = {}
    base_env = {**os.environ, "MERCATO_DEBUG": "false", "MERCATO_LOG_LEVEL": "WARNING"}
    single = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "bench.single_tenant_settings",
        "MERCATO_BENCH_STORE": stores[0][0],
        "MERCATO_PAGE_CACHE": "false",  # the plain page is rendered every time, like the uncached store pages
    }
    routed = {**base_env, "DJANGO_SETTINGS_MODULE": "platform.settings"}
    pages = {
        "product list": _list_paths(),
        "home": ["/"],
        "collection": [f"/collections/all-goods/?page={page}" for page in range(1, PAGES + 1)],
        # One product in every 23 (87 a store), each visited once before it is measured, like the lists. Drawn
        # from all 2,000 a store has, the product pages were nearly all first visits in a few seconds' run, so
        # the "cached" figure was that of pages rendered afresh.
        "product": [f"/products/bench-product-{n}/" for n in range(0, PRODUCTS_PER_STORE, PRODUCTS_PER_STORE // PAGES)],
    }
    with (
        gunicorn(single) as single_url,
        gunicorn({**routed, "MERCATO_PAGE_CACHE": "false"}) as uncached_url,
        gunicorn({**routed, "MERCATO_PAGE_CACHE": "true"}) as cached_url,
    ):
        # Each server first serves a few seconds of the pages it will be measured on (imports, template
        # compilation, connections, PostgreSQL's caches), so no side pays for a cold start.
        wrk(single_url, workdir, ["localhost"], ["/constant", *_list_paths()], 3)
        for url in (uncached_url, cached_url):
            wrk(url, workdir, hosts, pages["product list"] + pages["home"] + pages["product"][:50], 3)
        # Every list, collection and measured product page of every store visited once, as earlier buyers would.
        warm(cached_url, hosts, pages["product list"] + pages["collection"] + pages["product"])
        turns = {
            "constant": (single_url, ["localhost"], ["/constant"]),
            "product list, cached": (cached_url, hosts, pages["product list"]),
            "plain product list": (single_url, ["localhost"], _list_paths()),
            "product list, uncached": (uncached_url, hosts, pages["product list"]),
        }
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in turns}
        for _ in range(rounds):
            for name, (url, run_hosts, paths) in turns.items():
                runs[name].append(wrk(url, workdir, run_hosts, paths, seconds))
        for name, figures in runs.items():
            results[name] = _median_run(figures)
        results["routing ratios"] = {
            str(n): r["rps"] / p["rps"]
            for n, (r, p) in enumerate(zip(runs["product list, uncached"], runs["plain product list"], strict=True))
        }
        results["cached ratios"] = {
            str(n): c["rps"] / k["rps"]
            for n, (c, k) in enumerate(zip(runs["product list, cached"], runs["constant"], strict=True))
        }
        for label, url in (("uncached", uncached_url), ("cached", cached_url)):
            for name in ("home", "collection", "product"):
                results[f"{name}, {label}"] = wrk(url, workdir, hosts, pages[name], seconds)
    shutil.rmtree(workdir, ignore_errors=True)
    return results


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    return sorted(runs, key=lambda figures: figures["rps"])[len(runs) // 2]


def warm(url: str, hosts: list[str], paths: list[str]) -> None:
    """Visit each page once, then check it is served from the page cache: the cached figures measure hits."""
    import requests

    with requests.Session() as session:
        for host in hosts:
            for path in paths:
                session.get(url + path, headers={"Host": host}, timeout=30).raise_for_status()
                again = session.get(url + path, headers={"Host": host}, timeout=30)
                if again.headers.get("X-Page-Cache") != "hit":
                    raise RuntimeError(f"{host}{path} is not served from the page cache once visited")


def _list_paths() -> list[str]:
    return ["/products/"] + [f"/products/?page={page}" for page in range(2, PAGES + 1)]


class gunicorn:
    """Runs the production server command on a free port for the duration of a with-block."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __enter__(self) -> str:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        command = [sys.executable, "-m", "gunicorn", "platform.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", "2", "--worker-class", "sync", "--log-level", "warning"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=REPO, env=self.env)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            probe = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/", "-H",
                                    "Host: localhost"], capture_output=True, text=True)  # fmt: skip
            if probe.stdout not in ("", "000"):
                return url
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def wrk(url: str, workdir: Path, hosts: list[str], paths: list[str], seconds: int) -> dict[str, float]:
    """Requests/s and latency percentiles for GETs of random ``paths`` on random ``hosts``."""
    script = workdir / f"requests-{random.randrange(10**9)}.lua"
    lua_list = lambda items: "{" + ",".join(f'"{item}"' for item in items) + "}"  # noqa: E731
    script.write_text(
        f"local hosts = {lua_list(hosts)}\nlocal paths = {lua_list(paths)}\n"
        "math.randomseed(os.time())\n"
        "request = function()\n"
        '  return wrk.format("GET", paths[math.random(#paths)], {Host = hosts[math.random(#hosts)]})\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("ERRORS %d %d\\n", summary.errors.status, summary.requests))\n'
        "end\n"
    )
    output = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad, total = map(int, re.search(r"ERRORS (\d+) (\d+)", output).groups())
    if bad:
        raise RuntimeError(f"{bad} of {total} responses were errors (status >= 400) for {paths[0]}…")
    return {"rps": rate, "p50": _latency(output, "50%"), "p99": _latency(output, "99%")}


def _latency(output: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def report(results: dict[str, dict[str, float]]) -> None:
    routing_runs = list(results.pop("routing ratios").values())
    cached_runs = list(results.pop("cached ratios").values())
    print()
    print(f"{'page':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, figures in results.items():
        print(f"{name:<28} {figures['rps']:>9.0f} {figures['p50']:>8.1f} {figures['p99']:>8.1f}")
    print("routing ratio per round: " + ", ".join(f"{ratio:.2f}" for ratio in routing_runs))
    print("cached ratio per round:  " + ", ".join(f"{ratio:.2f}" for ratio in cached_runs))
    routing, cached = statistics.median(routing_runs), statistics.median(cached_runs)
    print(
        f"storefront: routing ratio {routing:.2f} (target >= {ROUTING_TARGET:.2f}), "
        f"cached ratio {cached:.2f} (target >= {CACHED_TARGET:.2f})"
    )


if __name__ == "__main__":
    main()
