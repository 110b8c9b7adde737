"""Buyers under load against the run command's web server: 50 concurrent buyers for two minutes, errors counted.

Seeds the demo stores (`seed_demo`, as `make run` does) in a throw-away database, starts the local Stripe sandbox
and the web server exactly as `make run` configures it (tools/run.py: gunicorn, threaded workers, autoreload),
then runs 50 buyers at once, each in a loop: the store's home page, the product list, a product page, add to
cart, the cart page, a quote and a checkout through the store's API, paying on the sandbox's hosted page, and
reading the order back until it is paid. Every answer that is not the one a buyer expects (a 5xx, a refused
connection, a timeout, a 4xx where a page should be) is an error. Meanwhile the server's PostgreSQL connections
are counted (its connections carry their own application name).

Every buyer comes from 127.0.0.1, so the per-address limit on new orders is lifted for the server under test.
No Celery worker runs: the orders are marked paid when the buyer reads them back, as the order page does.

    .venv/bin/python bench/load_run.py [--quick] [--buyers 50] [--seconds 120]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
from _setup import REPO, percentile, start

TARGET_ERRORS = 0
APP_NAME = "mercato-bench-load-web"
TIMEOUT = 30
# The server's cache keys, apart from anyone else's on the same Redis, and deleted at the end.
CACHE_PREFIX = f"mercato-bench-load-{os.getpid()}"
ADDRESS = {"name": "Load Buyer", "line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}
CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12 / 34", "card_cvc": "123", "name": "Load Buyer"}


@dataclass
class Tally:
    requests: int = 0
    errors: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    orders_paid: int = 0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, began: float, problem: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.seconds.append(time.perf_counter() - began)
            if problem:
                self.errors[step] += 1
                self.examples.setdefault(step, problem[:300])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 seconds instead of 120")
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (30 if args.quick else 120)

    # The demo's pictures go to a folder of this run, not to the checkout's media.
    media = Path(tempfile.mkdtemp(prefix="mercato-load-media-"))
    os.environ["MERCATO_MEDIA_ROOT"] = str(media)
    stop = start("mercato_bench_load")
    processes: list[subprocess.Popen] = []
    try:
        stores = seed()
        base = serve(processes)
        tally, peak_connections = drive(base, stores, buyers=args.buyers, seconds=seconds)
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        forget_cache()
        stop()
        shutil.rmtree(media, ignore_errors=True)
    report(tally, peak_connections, buyers=args.buyers, seconds=seconds)


def seed() -> list[str]:
    """The demo stores, made by the same code as `make run`; returns their hosts."""
    from django.core.management import call_command
    from django.db import connections

    from storefront.demo import seed_demo_stores

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    began = time.perf_counter()
    stores = seed_demo_stores(log=lambda line: None)
    print(f"seeded {len(stores)} demo stores in {time.perf_counter() - began:.0f} s", flush=True)
    connections.close_all()
    return [f"{store.slug}.localhost" for store in stores]


def serve(processes: list[subprocess.Popen]) -> str:
    """Start the Stripe sandbox and the run command's web server; returns the server's base URL."""
    from tools.run import web_command
    from tools.stripe_sandbox import DEFAULT_WEBHOOK_SECRET

    web_port, sandbox_port = free_port(), free_port()
    folder = Path(tempfile.mkdtemp(prefix="mercato-load-"))
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        "MERCATO_PORT": str(web_port),
        "STRIPE_API_BASE": sandbox,
        "STRIPE_WEBHOOK_SECRET": DEFAULT_WEBHOOK_SECRET,
        "MERCATO_CHECKOUT_NEW_ORDERS_PER_HOUR": "1000000",
        "MERCATO_CACHE_PREFIX": CACHE_PREFIX,
        "PGAPPNAME": APP_NAME,
    }
    env.pop("STRIPE_SECRET_KEY", None)
    with (folder / "sandbox.log").open("w") as out:
        command = [sys.executable, "-m", "tools.stripe_sandbox", "--port", str(sandbox_port),
                   "--webhook-url", f"http://localhost:{web_port}/billing/stripe/webhook/",
                   "--webhook-secret", DEFAULT_WEBHOOK_SECRET, "--db", str(folder / "sandbox.sqlite3")]  # fmt: skip
        processes.append(subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT))
    with (folder / "web.log").open("w") as out:
        command = web_command("127.0.0.1", str(web_port))
        processes.append(subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT))
    base = f"http://127.0.0.1:{web_port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", headers={"Host": "localhost"}, timeout=5).ok:
                requests.get(f"{sandbox}/_sandbox/health", timeout=5).raise_for_status()
                print(f"web server: {' '.join(command[2:])}\nlogs in {folder}", flush=True)
                return base
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"the web server or the sandbox did not start; see {folder}")


def drive(base: str, hosts: list[str], *, buyers: int, seconds: int) -> tuple[Tally, int]:
    tally = Tally()
    began = time.monotonic()
    deadline = began + seconds
    catalog = {host: products(base, host) for host in hosts}
    rates = {host: shipping_rate(base, host, catalog[host][0]) for host in hosts}
    threads = [
        threading.Thread(target=buyer, args=(base, hosts, catalog, rates, tally, deadline, n)) for n in range(buyers)
    ]
    for thread in threads:
        thread.start()
    peak = 0
    database_url = os.environ["DATABASE_URL"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        while any(thread.is_alive() for thread in threads):
            count = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
            peak = max(peak, count.fetchone()[0])
            time.sleep(0.5)
    # A buyer finishes the round it is in when time is up.
    tally.elapsed = time.monotonic() - began
    return tally, peak


def products(base: str, host: str) -> list[dict]:
    response = requests.get(f"{base}/api/products", headers={"Host": host}, timeout=TIMEOUT)
    response.raise_for_status()
    found = [product for product in response.json()["items"] if product["variants"]]
    if not found:
        raise SystemExit(f"{host} lists no products")
    return found


def shipping_rate(base: str, host: str, product: dict) -> int:
    body = {"lines": [{"sku": product["variants"][0]["sku"], "quantity": 1}], "country": "US", "postal_code": "62701"}
    response = requests.post(f"{base}/api/checkout/quote", json=body, headers={"Host": host}, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()["shipping_methods"][0]["id"]


def buyer(base: str, hosts: list[str], catalog: dict, rates: dict, tally: Tally, deadline: float, number: int) -> None:
    rng = random.Random(number)
    while time.monotonic() < deadline:
        host = rng.choice(hosts)
        product = rng.choice(catalog[host])
        variant = rng.choice(product["variants"])
        with requests.Session() as session:
            session.headers["Host"] = host

            def step(name: str, method: str, path: str, expect: tuple[int, ...], **kwargs) -> requests.Response | None:
                began = time.perf_counter()
                url = path if path.startswith("http") else base + path
                try:
                    response = session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
                except requests.RequestException as error:
                    tally.record(name, began, f"{type(error).__name__}: {error}")
                    return None
                problem = None if response.status_code in expect else f"{response.status_code}: {response.text[:200]}"
                tally.record(name, began, problem)
                return None if problem else response

            if not step("home", "GET", "/", (200,)):
                continue
            if not step("product list", "GET", "/products/", (200,)):
                continue
            if not step("product page", "GET", f"/products/{product['slug']}/", (200,)):
                continue
            referer = {"Referer": f"http://{host}/products/{product['slug']}/"}
            if not step("add to cart", "POST", "/cart/add/", (302,), data={"variant": variant["id"]}, headers=referer):
                continue
            if not step("cart page", "GET", "/cart/", (200,)):
                continue
            order = {
                "lines": [{"sku": variant["sku"], "quantity": 1}],
                "email": f"buyer{number}@example.com",
                "shipping_address": ADDRESS,
                "shipping_method_id": rates[host],
            }
            placed = step("API checkout", "POST", "/api/checkout", (201,), json=order)
            if not placed:
                continue
            answer = placed.json()
            # Stripe's hosted page is another site: no Host header of the store's.
            began = time.perf_counter()
            try:
                paid = requests.post(answer["payment_url"], data={**CARD, "email": order["email"]}, timeout=TIMEOUT,
                                     allow_redirects=False)  # fmt: skip
                tally.record("pay on Stripe", began, None if paid.status_code == 303 else f"{paid.status_code}")
            except requests.RequestException as error:
                tally.record("pay on Stripe", began, f"{type(error).__name__}: {error}")
                continue
            status = step("order status", "GET", f"/api/orders/{answer['order_token']}", (200,))
            if status is not None:
                with tally.lock:
                    if status.json().get("status") == "paid":
                        tally.orders_paid += 1
                    else:  # paid on Stripe, so the order must read paid: a wrong answer counts as an error
                        tally.errors["order paid"] += 1
                        tally.examples.setdefault("order paid", f"order is {status.json().get('status')}")


def forget_cache() -> None:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(match=f"*{CACHE_PREFIX}:*", count=1000))
    for start_at in range(0, len(keys), 500):
        client.delete(*keys[start_at : start_at + 500])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(tally: Tally, peak: int, *, buyers: int, seconds: int) -> None:
    from tools.run import WEB_THREADS, WEB_WORKERS

    errors = sum(tally.errors.values())
    rate = tally.requests / max(tally.elapsed, 1e-9)
    print(
        f"requests: {tally.requests} in {tally.elapsed:.0f} s ({rate:.1f}/s), orders placed and paid: {tally.orders_paid}"
    )
    if tally.seconds:
        p50, p95 = percentile(tally.seconds, 0.50), percentile(tally.seconds, 0.95)
        print(f"response time: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(tally.seconds):.2f} s")
    print(f"PostgreSQL connections held by the web server: peak {peak} (bound {WEB_WORKERS} x {WEB_THREADS})")
    for step_name, count in tally.errors.most_common():
        print(f"  {count} errors at {step_name}, e.g. {tally.examples[step_name]}")
    print(
        f"load: {errors} errors in {tally.requests} requests, {buyers} buyers for {seconds} s "
        f"(target {TARGET_ERRORS} errors)"
    )


if __name__ == "__main__":
    main()
