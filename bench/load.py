"""The production form under load: 200 buyers and sellers at once over HTTPS, across 50 stores, errors counted.

Starts `make serve`'s production form (tools/serve.py `start()`: Caddy with its local CA in front of gunicorn, a
Celery worker, one beat and the local Stripe sandbox, production settings) on free loopback ports against a
throw-away database holding 50 stores, each with an owner and a few products (schemas cloned from a template, no
pictures: cheap). Then drives it over HTTPS, checking every certificate against Caddy's local root, with simulated
people, each a thread with a pause of one to three seconds between steps:

- buyers (nine in ten), each round in a random store: home page, product list, a search in the store and one in the
  platform's cross-store directory, a product page, add to cart, the cart page, a checkout through the store's API,
  paying on the Stripe sandbox's hosted page over HTTP, and reading the order back until the sandbox's webhook (or
  the order page's own check) has marked it paid;
- sellers (one in ten), each signed in to their own store's dashboard: the product list, a product's edit page and
  saving that product edited.

Every answer that is not the one the step expects (any 5xx, a 4xx where a page should be, a refused connection, a
timeout, an order still unpaid 30 s after paying) is an error. Meanwhile the database's connections are sampled
from pg_stat_activity, grouped by application name (the form names its web, worker and beat connections), and the
peak of their sum is compared with the budget worked out from the form's configuration (docs/deploy.md).

Every buyer comes from 127.0.0.1, so the per-address limit on new orders is lifted for the form under test.

    .venv/bin/python bench/load.py [--quick] [--users 200] [--stores 50] [--seconds 180]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import psycopg
import requests
from _setup import REPO, percentile, start

TARGET_ERRORS = 0
TIMEOUT = 60  # gunicorn's own --timeout: a request still unanswered then is an error
PAID_WITHIN = 30  # seconds after paying on the sandbox by which the order must read paid
THINK_SECONDS = (1.0, 3.0)
PASSWORD = "load-seller-password-1"
CACHE_PREFIX = f"mercato-bench-load-{os.getpid()}"
ADDRESS = {
    "name": "Load Buyer",
    "line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12 / 34", "card_cvc": "123", "name": "Load Buyer"}
WORDS = ("linen", "canvas", "ceramic", "walnut", "wool", "copper", "cotton", "leather")
KINDS = ("shirt", "tote", "mug", "bowl", "scarf", "lamp")
# What the form's own processes call their connections (tools/serve.py start()).
APPLICATIONS = ("mercato-web", "mercato-worker", "mercato-beat")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Tally:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    orders_paid: int = 0
    edits_saved: int = 0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, began: float, problem: str | None) -> None:
        with self.lock:
            self.seconds[action].append(time.perf_counter() - began)
            if problem:
                self.errors[action] += 1
                self.examples.setdefault(action, problem[:300])

    def error(self, action: str, problem: str) -> None:
        with self.lock:
            self.errors[action] += 1
            self.examples.setdefault(action, problem[:300])

    @property
    def requests(self) -> int:
        return sum(len(samples) for samples in self.seconds.values())


@dataclass(frozen=True)
class Shop:
    host: str
    owner: str
    products: list[dict]
    rate_id: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 seconds of load instead of 180")
    parser.add_argument("--users", type=int, default=200, help="buyers and sellers at once (one in ten a seller)")
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (60 if args.quick else 180)

    folder = Path(tempfile.mkdtemp(prefix="mercato-load-"))
    os.environ["MERCATO_MEDIA_ROOT"] = str(folder / "media")
    stop = start("mercato_bench_load")
    supervisor = None
    try:
        owners = seed(args.stores)
        config, supervisor = serve(folder)
        resolve_loopback(config.base_domain)
        base = f"https://{config.base_domain}:{config.https_port}"
        shops = warm_up(base, config, owners)
        tally, peaks = drive(base, config, shops, users=args.users, seconds=seconds)
    finally:
        if supervisor is not None:
            supervisor.stop()
        forget_cache()
        stop()
    budget, parts = connection_budget(config)
    report(tally, peaks, budget, parts, users=args.users, stores=args.stores, seconds=seconds)
    shutil.rmtree(folder, ignore_errors=True)


def seed(count: int) -> dict[str, str]:
    """``count`` stores with an owner, a shipping rate and six products each; returns {slug: owner's email}."""
    from django.core.management import call_command
    from django.db import connections
    from django_tenants.utils import schema_context

    from platform.accounts.models import User
    from storefront.catalog.services import create_product
    from storefront.checkout.models import ShippingRate, ShippingZone
    from tenants.services import provision_store

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    began = time.perf_counter()
    owners = {}
    for number in range(count):
        slug, email = f"load-{number:02d}", f"seller{number:02d}@load.test"
        owner = User.objects.create_user(email=email, password=PASSWORD, full_name=f"Seller {number}")
        store = provision_store(name=f"Load Store {number}", slug=slug, owner=owner, schema_method="clone")
        with schema_context(store.schema_name):
            zone = ShippingZone.objects.create(name="Everywhere", countries=["US", "CA", "GB"])
            ShippingRate.objects.create(zone=zone, name="Standard", kind=ShippingRate.Kind.FLAT, price=Decimal("5"))
            rng = random.Random(number)
            for index in range(6):
                title = f"{rng.choice(WORDS).title()} {rng.choice(KINDS)} {number}-{index}"
                create_product(title=title, price=Decimal(rng.randint(5, 90)), description=f"<p>{title}.</p>")
        owners[slug] = email
    print(f"seeded {count} stores with 6 products each in {time.perf_counter() - began:.0f} s", flush=True)
    connections.close_all()
    return owners


def serve(folder: Path):
    """The production form on free loopback ports, its logs in ``folder``/form.log; returns (config, supervisor)."""
    from tools.serve import ServeConfig, ensure_caddy, production_env
    from tools.serve import start as start_form
    from tools.supervisor import Supervisor

    missing = ensure_caddy()
    if missing:
        raise SystemExit(f"Caddy is needed: {missing}")
    config = ServeConfig.from_environment()
    config = ServeConfig(
        base_domain="localhost",
        media_host="127.0.0.1",
        https_port=free_port(),
        http_port=free_port(),
        web_port=free_port(),
        var_dir=folder / "var",
        media_root=folder / "media",
        web_workers=config.web_workers,
        web_threads=config.web_threads,
        worker_concurrency=config.worker_concurrency,
    )
    base = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "MERCATO_SECRET_KEY": "a-benchmark-secret-key-" + "x" * 50,
        "MERCATO_STRIPE_SANDBOX_PORT": str(free_port()),
        "MERCATO_SCHEMA_POOL_SIZE": "0",  # the stores are made; no pooled schemas to build meanwhile
        "MERCATO_CACHE_PREFIX": CACHE_PREFIX,
        "MERCATO_CHECKOUT_NEW_ORDERS_PER_HOUR": "1000000",
        "MERCATO_LOG_LEVEL": "WARNING",
    }
    for name in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "SENTRY_DSN", "DJANGO_SETTINGS_MODULE"):
        base.pop(name, None)
    env = production_env(config, base)
    supervisor = Supervisor(env=env, cwd=REPO, say=lambda message: print(f"[form] {message}", flush=True))
    log = folder / "form.log"
    # The form's processes inherit this process's output: send theirs to a file, keep ours on the terminal.
    saved = os.dup(1), os.dup(2)
    with log.open("w") as out:
        sys.stdout.flush(), sys.stderr.flush()
        os.dup2(out.fileno(), 1), os.dup2(out.fileno(), 2)
        try:
            start_form(config, env, supervisor, seed=False)
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
    print(f"production form on https://{config.base_domain}:{config.https_port}/ ; logs in {log}", flush=True)
    return config, supervisor


def resolve_loopback(base_domain: str) -> None:
    """Store hosts (``*.localhost``) to 127.0.0.1 in this process, as a browser does; TLS still checks the name."""
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(host, str) and (host == base_domain or host.endswith("." + base_domain)):
            host = "127.0.0.1"
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def warm_up(base: str, config, owners: dict[str, str]) -> list[Shop]:
    """Each store once, in turn: Caddy issues its certificate on this first visit; read its products and rate."""
    deadline = time.monotonic() + 120
    with requests.Session() as session:
        session.verify = str(config.root_certificate)
        session.trust_env = False  # or REQUESTS_CA_BUNDLE in the environment would replace Caddy's root
        while True:
            try:
                session.get(f"{base}/healthz", timeout=10).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        shops = []
        for slug, owner in owners.items():
            host = f"{slug}.{config.base_domain}:{config.https_port}"
            listing = session.get(f"https://{host}/api/products", timeout=TIMEOUT)
            listing.raise_for_status()
            products = [product for product in listing.json()["items"] if product["variants"]]
            sku = products[0]["variants"][0]["sku"]
            body = {"lines": [{"sku": sku, "quantity": 1}], "country": "US", "postal_code": "62701"}
            quote = session.post(f"https://{host}/api/checkout/quote", json=body, timeout=TIMEOUT)
            quote.raise_for_status()
            shops.append(Shop(host, owner, products, quote.json()["shipping_methods"][0]["id"]))
    return shops


def drive(base: str, config, shops: list[Shop], *, users: int, seconds: int) -> tuple[Tally, dict[str, int]]:
    tally = Tally()
    began = time.monotonic()
    deadline = began + seconds
    sellers = max(1, users // 10)
    threads = [
        threading.Thread(target=seller, args=(shops[n % len(shops)], config, tally, deadline, n), daemon=True)
        for n in range(sellers)
    ] + [
        threading.Thread(target=buyer, args=(base, shops, config, tally, deadline, n), daemon=True)
        for n in range(users - sellers)
    ]
    for thread in threads:
        thread.start()
    peaks: dict[str, int] = Counter()
    database = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    with database:
        while any(thread.is_alive() for thread in threads):
            rows = database.execute(
                "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "GROUP BY application_name"
            ).fetchall()
            counts = {name: count for name, count in rows if name in APPLICATIONS}
            for name, count in counts.items():
                peaks[name] = max(peaks[name], count)
            peaks["total"] = max(peaks["total"], sum(counts.values()))
            time.sleep(0.5)
    tally.elapsed = time.monotonic() - began
    return tally, peaks


class Client:
    """One simulated person's HTTPS session (cookies kept), recording each request as an action."""

    def __init__(self, config, tally: Tally, number: int) -> None:
        self.session = requests.Session()
        self.session.verify = str(config.root_certificate)
        self.session.trust_env = False  # or REQUESTS_CA_BUNDLE in the environment would replace Caddy's root
        self.tally = tally
        self.rng = random.Random(number)

    def think(self) -> None:
        time.sleep(self.rng.uniform(*THINK_SECONDS))

    def request(
        self, action: str, method: str, url: str, expect: tuple[int, ...], **kwargs
    ) -> requests.Response | None:
        began = time.perf_counter()
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            self.tally.record(action, began, f"{type(error).__name__}: {error}")
            return None
        problem = None if response.status_code in expect else f"{response.status_code} {url}: {response.text[:200]}"
        self.tally.record(action, began, problem)
        return None if problem else response


def buyer(base: str, shops: list[Shop], config, tally: Tally, deadline: float, number: int) -> None:
    client = Client(config, tally, number)
    rng = client.rng
    time.sleep(rng.uniform(0, THINK_SECONDS[1]))  # not all at the same instant
    while time.monotonic() < deadline:
        shop = rng.choice(shops)
        product = rng.choice(shop.products)
        variant = rng.choice(product["variants"])
        word = product["title"].split()[0].lower()
        store = f"https://{shop.host}"
        client.session.cookies.clear()
        steps = [
            ("home", "GET", f"{store}/", (200,), {}),
            ("product list", "GET", f"{store}/products/", (200,), {}),
            ("store search", "GET", f"{store}/search/", (200,), {"params": {"q": word}}),
            ("directory search", "GET", f"{base}/search", (200,), {"params": {"q": word}}),
            ("product page", "GET", f"{store}/products/{product['slug']}/", (200,), {}),
        ]
        browsed = True
        for action, method, url, expect, extra in steps:
            client.think()
            if not client.request(action, method, url, expect, **extra):
                browsed = False
                break
        if not browsed:
            continue
        client.think()
        referer = {"Referer": f"{store}/products/{product['slug']}/"}
        if not client.request("add to cart", "POST", f"{store}/cart/add/", (302,), data={"variant": variant["id"]},
                              headers=referer):  # fmt: skip
            continue
        client.think()
        if not client.request("cart page", "GET", f"{store}/cart/", (200,)):
            continue
        client.think()
        order = {
            "lines": [{"sku": variant["sku"], "quantity": 1}],
            "email": f"buyer{number}@example.com",
            "shipping_address": ADDRESS,
            "shipping_method_id": shop.rate_id,
        }
        placed = client.request("checkout", "POST", f"{store}/api/checkout", (201,), json=order)
        if not placed:
            continue
        answer = placed.json()
        client.think()
        # The sandbox's hosted page stands in for Stripe's: another site, over plain HTTP on loopback.
        if not client.request("pay on Stripe", "POST", answer["payment_url"], (303,),
                              data={**CARD, "email": order["email"]}):  # fmt: skip
            continue
        paid_by = time.monotonic() + PAID_WITHIN
        while True:
            status = client.request("order status", "GET", f"{store}/api/orders/{answer['order_token']}", (200,))
            if status is None:
                break
            if status.json().get("status") == "paid":
                with tally.lock:
                    tally.orders_paid += 1
                break
            if time.monotonic() > paid_by:
                tally.error("order paid", f"order still {status.json().get('status')} {PAID_WITHIN} s after paying")
                break
            time.sleep(1)
        client.think()


def seller(shop: Shop, config, tally: Tally, deadline: float, number: int) -> None:
    client = Client(config, tally, 10_000 + number)
    rng = client.rng
    store = f"https://{shop.host}"
    time.sleep(rng.uniform(0, THINK_SECONDS[1]))
    signed_in = False
    while time.monotonic() < deadline:
        if not signed_in:
            page = client.request("seller sign-in", "GET", f"{store}/dashboard/login/", (200,))
            if page is None or not CSRF.search(page.text):
                client.think()
                continue
            fields = {"email": shop.owner, "password": PASSWORD, "csrfmiddlewaretoken": CSRF.search(page.text)[1]}
            done = client.request("seller sign-in", "POST", f"{store}/dashboard/login/", (302,), data=fields,
                                  headers={"Referer": f"{store}/dashboard/login/"})  # fmt: skip
            signed_in = done is not None
            client.think()
            continue
        if not client.request("dashboard products", "GET", f"{store}/dashboard/products/", (200,)):
            client.think()
            continue
        client.think()
        product = rng.choice(shop.products)
        edit_url = f"{store}/dashboard/products/{product['id']}/"
        page = client.request("dashboard edit page", "GET", edit_url, (200,))
        if page is None or not CSRF.search(page.text):
            client.think()
            continue
        client.think()
        fields = {
            "csrfmiddlewaretoken": CSRF.search(page.text)[1],
            "title": product["title"],
            "description": f"<p>{product['title']}, edited under load ({rng.randint(1, 10**6)}).</p>",
            "status": "active",
            "seo_title": "",
            "seo_description": "",
            "tags": rng.choice(WORDS),
        }
        saved = client.request("dashboard save product", "POST", edit_url, (302,), data=fields,
                               headers={"Referer": edit_url})  # fmt: skip
        if saved is not None:
            with tally.lock:
                tally.edits_saved += 1
        client.think()


def connection_budget(config) -> tuple[int, str]:
    """The form's PostgreSQL connections at most (docs/deploy.md): web threads, worker processes, beat, a margin."""
    web = config.web_workers * config.web_threads
    margin = 2
    total = web + config.worker_concurrency + 1 + margin
    return total, (
        f"{config.web_workers} x {config.web_threads} web + {config.worker_concurrency} worker + 1 beat + {margin}"
    )


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


def report(
    tally: Tally, peaks: dict[str, int], budget: int, parts: str, *, users: int, stores: int, seconds: int
) -> None:
    rate = tally.requests / max(tally.elapsed, 1e-9)
    print(f"{users} users across {stores} stores for {seconds} s: {tally.requests} requests in "
          f"{tally.elapsed:.0f} s ({rate:.1f}/s); orders paid {tally.orders_paid}, products saved {tally.edits_saved}")  # fmt: skip
    print(f"{'action':<24} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for action, samples in tally.seconds.items():
        print(
            f"{action:<24} {len(samples):>8} {tally.errors[action]:>6} {len(samples) / max(tally.elapsed, 1e-9):>6.1f}"
            f" {percentile(samples, 0.50) * 1000:>7.0f} {percentile(samples, 0.95) * 1000:>7.0f}"
        )
    named = ", ".join(f"{name} {peaks.get(name, 0)}" for name in APPLICATIONS)
    print(f"PostgreSQL connections, peak by application: {named}; peak together {peaks.get('total', 0)}")
    print(f"connection budget {budget} = {parts}")
    for action, count in tally.errors.most_common():
        print(f"  {count} errors at {action}, e.g. {tally.examples[action]}")
    everything = [sample for samples in tally.seconds.values() for sample in samples]
    p95 = percentile(everything, 0.95) * 1000 if everything else 0.0
    errors = sum(tally.errors.values())
    print(
        f"load: {errors} errors in {tally.requests} requests, p95 {p95:.0f} ms, "
        f"peak PostgreSQL connections {peaks.get('total', 0)} (budget {budget})"
    )


if __name__ == "__main__":
    main()
