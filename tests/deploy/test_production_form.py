"""`make serve`'s production form, started for real: Caddy with HTTPS in front of gunicorn, a worker and a beat.

The form runs on free loopback ports with its own Caddy data folder, a private redis-server (cache and broker) that
the tests stop, and its PostgreSQL connections through a proxy the tests cut (tests/faults.py). Every HTTPS request
checks the certificate against the root of Caddy's local CA, as a browser that trusts it would.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import ssl
import struct
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

from tests.conftest import STORE_A, STORE_B, child_env, database_url_for_tests
from tests.faults import PortProxy, PrivateRedis, eventually
from tests.support import free_port
from tools.serve import ServeConfig, ensure_caddy, production_env, start
from tools.supervisor import Supervisor

# Installed with apt-get when missing (as `make serve` does); skipped, saying why, only when that is impossible.
CADDY_MISSING = ensure_caddy()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CADDY_MISSING is not None, reason=f"Caddy is needed: {CADDY_MISSING}"),
]

BASE = settings.BASE_DOMAIN
ALPHA, BETA = f"{STORE_A['slug']}.{BASE}", f"{STORE_B['slug']}.{BASE}"
VERIFIED = "shop.alpha-outfitters.test"
TYPED_ONLY = "typed.alpha-outfitters.test"
WEB_WORKERS, WEB_THREADS = 2, 3
IDLE_TIMEOUT = 3  # seconds PostgreSQL lets a web thread's connection sit idle (MERCATO_DB_IDLE_TIMEOUT)
PATIENCE = 30


@dataclass
class Form:
    config: ServeConfig
    supervisor: Supervisor
    redis: PrivateRedis
    database: PortProxy
    logs: Path

    def get(self, host: str, path: str = "/", headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """GET https://host:port/path through Caddy, connecting to 127.0.0.1 and checking the certificate."""
        context = ssl.create_default_context(cafile=str(self.config.root_certificate))
        connection = _LoopbackHTTPS(host, self.config.https_port, context=context, timeout=PATIENCE)
        connection.request("GET", path, headers={"Host": f"{host}:{self.config.https_port}", **(headers or {})})
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        connection.close()
        return response


class _LoopbackHTTPS(http.client.HTTPSConnection):
    """HTTPS to a name no resolver may know (a custom domain, *.localhost): TCP to 127.0.0.1, TLS for the name."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _through(proxy: PortProxy) -> str:
    parts = urlsplit(database_url_for_tests())
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@pytest.fixture(scope="module")
def domains(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Alpha's verified custom domain and one its owner only typed in, committed for the form's processes.

    On the way out it also puts back what starting the form changed in the session's database: the plans' Stripe
    ids (synced with the form's own sandbox) and the Stripe events that sandbox delivered.
    """
    from billing.models import Plan, StripeEvent
    from tenants.models import DomainClaim, Store, StoreDomain

    with django_db_blocker.unblock():
        fields = ("stripe_product_id", "stripe_monthly_price_id", "stripe_yearly_price_id")
        saved_prices = {row["pk"]: row for row in Plan.objects.values("pk", *fields)}
        events_before = set(StripeEvent.objects.values_list("pk", flat=True))
        alpha = Store.objects.get(slug=STORE_A["slug"])
        DomainClaim.objects.create(store=alpha, domain=VERIFIED, token="t")
        StoreDomain.objects.create(domain=VERIFIED, tenant=alpha, is_primary=False)
        DomainClaim.objects.create(store=alpha, domain=TYPED_ONLY, token="t")
        try:
            yield
        finally:
            StoreDomain.objects.filter(domain=VERIFIED).delete()
            DomainClaim.objects.filter(domain__in=[VERIFIED, TYPED_ONLY]).delete()
            StripeEvent.objects.exclude(pk__in=events_before).delete()
            for pk, row in saved_prices.items():
                Plan.objects.filter(pk=pk).update(**{field: row[field] for field in fields})


@pytest.fixture(scope="module")
def form(domains, tmp_path_factory) -> Iterator[Form]:
    folder = tmp_path_factory.mktemp("serve")
    redis = PrivateRedis(tmp_path_factory.mktemp("serve-redis"))
    redis.start()
    pg = urlsplit(settings.DATABASE_URL)
    database = PortProxy((pg.hostname or "127.0.0.1", pg.port or 5432))
    database.open()
    config = ServeConfig(
        base_domain=BASE,
        media_host="127.0.0.1",
        https_port=free_port(),
        http_port=free_port(),
        web_port=free_port(),
        var_dir=folder / "var",
        media_root=Path(settings.MEDIA_ROOT),
        web_workers=WEB_WORKERS,
        web_threads=WEB_THREADS,
        worker_concurrency=1,
    )
    base = child_env(
        DATABASE_URL=_through(database),
        REDIS_URL=redis.url,
        MERCATO_STRIPE_SANDBOX_PORT=str(free_port()),
        MERCATO_SECRET_KEY="a-test-secret-key-" + "x" * 50,
        MERCATO_SCHEMA_POOL_SIZE="0",  # the session's tests expect an empty pool
        MERCATO_DB_IDLE_TIMEOUT=str(IDLE_TIMEOUT),
        MERCATO_TASK_QUEUE=f"serve-test-{os.getpid()}",
        MERCATO_CACHE_PREFIX=f"serve-test-{os.getpid()}",
        # A metrics folder of its own: the form empties its folder at start, and the session counts into its own.
        PROMETHEUS_MULTIPROC_DIR=str(folder / "metrics"),
    )
    base.pop("CELERY_BROKER_URL", None)
    base.pop("STRIPE_API_BASE", None)
    env = production_env(config, base)
    logs = folder / "logs"
    logs.mkdir()
    supervisor = Supervisor(env=env, cwd=Path(settings.BASE_DIR), say=lambda message: None)
    try:
        start(config, env, supervisor, seed=False)
        running = Form(config, supervisor, redis, database, logs)
        eventually(lambda: _status(running, BASE, "/healthz") == 200, what="the production form", timeout=60)
        yield running
    finally:
        supervisor.stop()
        database.cut()
        redis.stop()


def _status(form: Form, host: str, path: str) -> int | None:
    try:
        return form.get(host, path).status
    except OSError:
        return None


@pytest.fixture
def healthy(form) -> Iterator[Form]:
    yield form
    # Whatever a test broke comes back for the next one.
    if not form.database.is_open:
        form.database.open()
    form.redis.running()
    eventually(lambda: _status(form, BASE, "/readyz") == 200, what="the form ready again", timeout=60)


def test_https_on_the_platform_host_a_store_subdomain_and_a_verified_custom_domain(healthy):
    platform = healthy.get(BASE)
    assert platform.status == 200 and b"Alpha Outfitters" in platform.body
    alpha = healthy.get(ALPHA)
    assert alpha.status == 200 and STORE_A["name"].encode() in alpha.body
    # Production settings behind the proxy: the request counts as secure, so no redirect to HTTPS.
    assert alpha.getheader("Location") is None
    custom = healthy.get(VERIFIED)
    assert custom.status == 200 and STORE_A["name"].encode() in custom.body
    assert STORE_B["name"].encode() not in custom.body


def test_forwarded_headers_from_a_visitor_are_not_believed(healthy):
    # The proxy sets X-Forwarded-Proto itself and drops X-Forwarded-Host: a visitor can neither make an HTTPS
    # request look like plain HTTP (a redirect loop) nor route it to another store.
    spoofed = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": BETA, "X-Forwarded-For": "203.0.113.9"}
    answer = healthy.get(ALPHA, "/api/products", headers=spoofed)
    assert answer.status == 200 and answer.getheader("Location") is None
    titles = [item["title"] for item in json.loads(answer.body)["items"]]
    assert STORE_A["product"] in titles and STORE_B["product"] not in titles
    # Nor does a relayed request pass for the proxy asking about certificates.
    assert healthy.get(BASE, f"/internal/tls/ask?domain={VERIFIED}", headers=spoofed).status == 404


@pytest.mark.parametrize("name", [TYPED_ONLY, "nobody-owns-this.test"])
def test_no_certificate_for_an_unverified_or_unknown_domain(healthy, name):
    with pytest.raises(ssl.SSLError):
        healthy.get(name)


def test_the_ask_endpoint_is_not_reachable_through_the_proxy(healthy):
    assert healthy.get(BASE, f"/internal/tls/ask?domain={VERIFIED}").status == 404


def test_uploads_come_from_the_media_host_with_their_type_and_nosniff(healthy, store_a):
    folder = Path(settings.MEDIA_ROOT) / store_a.schema_name / "serve-test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dot.png").write_bytes(_png())
    (folder / "notes.txt").write_text("<script>alert(1)</script>")
    try:
        picture = healthy.get("127.0.0.1", f"/{store_a.schema_name}/serve-test/dot.png")
        assert picture.status == 200 and picture.body == _png()
        assert picture.headers["Content-Type"] == "image/png"
        assert picture.headers["X-Content-Type-Options"] == "nosniff"
        text = healthy.get("127.0.0.1", f"/{store_a.schema_name}/serve-test/notes.txt")
        assert text.headers["Content-Type"].startswith("text/plain")
        assert "sandbox" in text.headers["Content-Security-Policy"]
        # Not from the store's own host: the media folder is not part of the app.
        assert healthy.get(ALPHA, f"/media/{store_a.schema_name}/serve-test/dot.png").status == 404
    finally:
        shutil.rmtree(folder)


def test_readyz_turns_not_ready_while_redis_is_stopped_and_ready_again_after(healthy):
    assert _status(healthy, BASE, "/readyz") == 200
    healthy.redis.stop()
    answer = eventually(lambda: _not_ready(healthy), what="/readyz to notice Redis is gone")
    assert {"redis", "broker"} <= set(answer) and "postgresql" not in answer
    healthy.redis.running()
    eventually(lambda: _status(healthy, BASE, "/readyz") == 200, what="/readyz ready again")


def test_postgresql_refusing_connections_gets_a_503_with_retry_after_never_a_500(healthy):
    # Pages that need PostgreSQL (an anonymous store page may still come from the page cache in Redis).
    pages = [(ALPHA, "/api/products"), (BETA, "/api/variants"), (BASE, "/"), (BASE, "/healthz"), (BASE, "/search?q=x")]
    # Locally each store host gets its certificate on its first visit, which needs PostgreSQL's "yes".
    assert all(healthy.get(host, path).status < 500 for host, path in pages)
    healthy.database.cut()
    answers = {(host, path): healthy.get(host, path) for host, path in pages}
    assert {page: answer.status for page, answer in answers.items()} == dict.fromkeys(pages, 503)
    assert all(answer.headers["Retry-After"] == "30" for answer in answers.values())
    assert b"back in a moment" in answers[(BASE, "/")].body
    assert "postgresql" in _not_ready(healthy)
    healthy.database.open()
    eventually(lambda: _status(healthy, ALPHA, "/api/products") == 200, what="pages back with PostgreSQL")


def test_connections_stay_within_the_budget_each_on_its_own_stores_schema_and_idle_ones_close(healthy):
    budget = WEB_WORKERS * WEB_THREADS

    def products(index: int) -> bool:
        # The API reads PostgreSQL on every request (store pages may come from the page cache).
        mine, other = (STORE_A, STORE_B) if index % 2 else (STORE_B, STORE_A)
        answer = healthy.get(f"{mine['slug']}.{BASE}", "/api/products")
        titles = [item["title"] for item in json.loads(answer.body)["items"]]
        return answer.status == 200 and mine["product"] in titles and other["product"] not in titles

    seen: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            seen.append(_web_connections())

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            assert all(pool.map(products, range(60)))
    finally:
        done.set()
        sampler.join()
    assert 0 < max(seen) <= budget, seen
    eventually(lambda: _web_connections() == 0, what="idle web connections closed by PostgreSQL", timeout=60)
    # Each thread connects again on its next request and sets that request's store again.
    with ThreadPoolExecutor(max_workers=12) as pool:
        assert all(pool.map(products, range(24)))


def test_the_worker_and_the_single_beat_are_running(healthy):
    from celery import Celery

    # Not the current app: one made current would send this process's later tasks to the form's broker.
    app = Celery(broker=healthy.redis.url, set_as_current=False)
    try:
        # Generous: after the Redis test the worker reconnects to the new redis-server by its own back-off.
        replies = eventually(lambda: app.control.ping(timeout=2), what="the form's worker to answer a ping", timeout=90)
    finally:
        app.close()
    assert len(replies) == 1, replies
    assert healthy.supervisor.pid("beat") is not None and healthy.supervisor.pid("caddy") is not None


def _not_ready(form: Form) -> list[str] | None:
    answer = form.get(BASE, "/readyz")
    return json.loads(answer.body)["not_ready"] if answer.status == 503 else None


def _web_connections() -> int:
    with psycopg.connect(database_url_for_tests(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mercato-web' AND datname = current_database()"
        ).fetchone()
    return row[0] if row else 0


def _png() -> bytes:
    """A 1x1 PNG, made here so the test carries no binary file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )
