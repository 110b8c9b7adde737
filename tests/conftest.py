"""Shared fixtures: two committed test stores made once per run, a real Celery worker and a live server.

The test database is migrated and the stores "alpha" and "beta" provisioned (real schemas) once per session;
each test then runs inside a transaction that is rolled back, so tests stay fast and independent. Tests that
need committed data (a worker or a server in another process must see it) use ``committed`` and clean up.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.pods import open_pods, pod_servers  # noqa: F401  (fixtures: three private pod servers)
from tests.s3 import s3_media, s3_server  # noqa: F401  (fixtures: media in a local S3 server)
from tests.stripe_sandbox import WEBHOOK_SECRET, SandboxServer
from tests.support import WAIT_TIMEOUT, free_port, spawn, stop_process, wait_for_start, wait_until

STORE_A = {"slug": "alpha", "name": "Alpha Outfitters", "product": "Alpha Trail Tent"}
STORE_B = {"slug": "beta", "name": "Beta Books", "product": "Beta Paperback Novel"}

# The fixtures that make a test slow: those that start another process (the Celery worker, gunicorn, the Stripe
# sandbox, Chromium), and those that build a store schema by running every tenant migration (seconds each).
SLOW_FIXTURES = frozenset(
    {"celery_worker", "live_server_url", "sandbox_server", "browser", "ready_schema", "seeded_store", "s3_server"}
)


def pytest_configure(config: pytest.Config) -> None:
    """The translation catalogues are compiled by ``make test``; a bare ``pytest`` run compiles them too."""
    from tools.compile_messages import compile_all

    compile_all()


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects, so ``-m "not slow"`` sees these marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that needs one of those fixtures, directly or through another fixture.

    A new test is marked by what it uses, so nobody has to remember; and since session fixtures start only for
    a test that needs them, ``-m "not slow"`` starts none of these processes at all.
    """
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):
    """Create and migrate the test database, then provision the two session stores in it.

    pytest-django's own fixture creates the test database only when a selected test is marked for the
    database, so a run of tests that use only ``committed`` would write into the developer's database. This
    one always creates it, and refuses to go on unless the connection really points at a test database.
    """
    from django.test.utils import setup_databases, teardown_databases
    from django_tenants.utils import schema_context

    from storefront.catalog.services import create_product
    from tenants.services import provision_store

    with django_db_blocker.unblock():
        db_config = setup_databases(
            verbosity=request.config.option.verbose, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        name = connection.settings_dict["NAME"]
        assert name == settings.DATABASES["default"]["TEST"]["NAME"], f"refusing to set up stores in {name!r}"
        for spec in (STORE_A, STORE_B):
            store = provision_store(name=spec["name"], slug=spec["slug"])
            with schema_context(store.schema_name):
                create_product(title=spec["product"], price=Decimal("10.00"))
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        teardown_databases(db_config, verbosity=request.config.option.verbose)


@pytest.fixture(scope="session", autouse=True)
def _metrics_folder_of_this_run() -> Iterator[None]:
    """The run's processes count /metrics into its test database's folder (platform/settings/test.py): emptied
    before the run, so an earlier run's counts never add to this one's, and removed after."""
    shutil.rmtree(settings.METRICS_FOLDER, ignore_errors=True)
    Path(settings.METRICS_FOLDER).mkdir(parents=True)
    yield
    shutil.rmtree(settings.METRICS_FOLDER, ignore_errors=True)


@pytest.fixture(autouse=True)
def _public_schema_between_tests() -> Iterator[None]:
    yield
    # A request or test may leave the connection on a store's schema; the next test starts from public.
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fresh_cache_between_tests() -> Iterator[None]:
    """Each test's database work is rolled back, so what it cached must go too (only this run's keys)."""
    yield
    from django.core.cache import cache

    from storefront.page_cache import process_copy
    from tenants import host_cache

    host_cache._local.clear()
    process_copy.forget()
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    client = cache._cache.get_client(write=True)
    # Store entries look like "<schema>:<prefix>:…", platform entries like "<prefix>:platform:…".
    keys = list(client.scan_iter(match=f"*{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def store_a(db):
    from tenants.models import Store

    return Store.objects.get(slug=STORE_A["slug"])


@pytest.fixture
def store_b(db):
    from tenants.models import Store

    return Store.objects.get(slug=STORE_B["slug"])


def host_of(store) -> str:
    return f"{store.slug}.{settings.BASE_DOMAIN}"


@pytest.fixture
def committed(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Database access in autocommit mode, for data another process must see; the test cleans up."""
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()


def database_url_for_tests() -> str:
    """DATABASE_URL pointing at the test database, for processes the tests start."""
    parts = urlsplit(settings.DATABASE_URL)
    name = connection.settings_dict["NAME"]
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def child_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "platform.settings.test",
        "DATABASE_URL": database_url_for_tests(),
        "PYTHONUNBUFFERED": "1",
        "STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET or "",
    }
    env.pop("STRIPE_SECRET_KEY", None)  # a developer's real key never reaches a process the tests start
    env.pop("SENTRY_DSN", None)  # nor does a developer's error-reporting address (tests that want one set it)
    return {**env, **extra}


# Where Stripe calls go while the sandbox is not wanted: nothing listens on the discard port.
NO_SANDBOX = "http://127.0.0.1:9/this-test-did-not-request-the-sandbox_server-fixture"


@pytest.fixture(scope="session", autouse=True)
def _stripe_settings() -> None:
    """No real Stripe key, the sandbox's webhook secret, and nowhere to send Stripe calls until the sandbox runs."""
    settings.STRIPE_SECRET_KEY = None
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = NO_SANDBOX


@pytest.fixture(scope="session")
def sandbox_server(sandbox_server: SandboxServer) -> SandboxServer:
    """The sandbox of tests/stripe_sandbox.py, started by the first test that asks for it; from then on Mercato's
    settings point at it, for module and session fixtures too (they are set up before a test's own)."""
    settings.STRIPE_API_BASE = sandbox_server.url
    return sandbox_server


@pytest.fixture(autouse=True)
def _no_stripe_unless_asked_for(request) -> Iterator[None]:
    """In a test that does not ask for ``sandbox_server``, Stripe calls fail even when the sandbox is running.

    The sandbox is one process for the whole run. Without this, a test that reaches Stripe but forgot to ask would
    pass whenever an earlier test had started it, and fail alone or in the quick loop (``-m "not slow"``).
    """
    if "sandbox_server" in request.fixturenames:
        yield
        return
    saved = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = NO_SANDBOX
    yield
    settings.STRIPE_API_BASE = saved


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, sandbox_server, tmp_path_factory) -> Iterator[subprocess.Popen]:
    """A real Celery worker process, consuming this run's own queue on the real Redis."""
    from platform.celery import app

    folder = tmp_path_factory.mktemp("celery")
    log = folder / "worker.log"
    name = f"test-{os.getpid()}@%h"
    command = [
        sys.executable, "-m", "celery", "-A", "platform.celery", "worker", "--pool", "solo",
        "--loglevel", "INFO", "--hostname", name, "--queues", settings.CELERY_TASK_DEFAULT_QUEUE,
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    env = child_env(
        STRIPE_API_BASE=sandbox_server.url,
        MERCATO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        MERCATO_EMAIL_FILE_PATH=str(folder / "outbox"),
        # As in production: one JSON object per line, which tests read back (worker.log, below).
        MERCATO_LOG_FORMAT="json",
    )
    process = spawn(command, env=env, log=log)
    hostname = name.replace("%h", socket.gethostname())
    wait_for_start(process, log, lambda: app.control.ping(destination=[hostname], timeout=1), what="the Celery worker")
    process.outbox = folder / "outbox"  # type: ignore[attr-defined]
    process.log = log  # type: ignore[attr-defined]
    yield process
    stop_process(process)


def wait_for_email(worker: subprocess.Popen, *, to: str, subject: str) -> str:
    """The text of the first email the worker wrote for ``to`` whose subject contains ``subject``.

    The worker sends with the file backend into one outbox for the whole run, so other tests' emails to the
    same address may be there too: the subject tells them apart.
    """
    outbox = worker.outbox  # type: ignore[attr-defined]

    def found() -> str | None:
        for path in sorted(outbox.glob("*.log")) if outbox.exists() else []:
            # The file backend writes each message followed by a line of dashes.
            for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
                message = email.message_from_string(raw.strip(), policy=email.policy.default)
                if message["To"] == to and subject in (message["Subject"] or ""):
                    # The plain-text part of an email that also has an HTML one.
                    body = message.get_body(preferencelist=("plain",)).get_content()
                    return f"Subject: {message['Subject']}\n\n{body}"
        return None

    return wait_until(found, what=f"an email to {to} about {subject!r}")


def wait_for_worker_to_catch_up(worker: subprocess.Popen) -> None:
    """Return once the worker has run every task sent before this call (not those held for a countdown).

    The worker is one process taking this run's queue one task at a time, in order, so when a task sent now
    has run, so has everything sent before it. That task is Celery's own ``celery.accumulate``: it does nothing.
    """
    from platform.celery import app

    assert worker.poll() is None, "the Celery worker is not running"
    app.tasks["celery.accumulate"].apply_async(args=("caught up",)).get(timeout=WAIT_TIMEOUT)


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, sandbox_server, tmp_path_factory) -> Iterator[str]:
    """The production WSGI server (gunicorn) serving the test database; returns its base URL's port part."""
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    command = [
        sys.executable, "-m", "gunicorn", "platform.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--access-logfile", "-",
    ]  # fmt: skip
    process = spawn(command, env=child_env(MERCATO_PORT=str(port), STRIPE_API_BASE=sandbox_server.url), log=log)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{url}/healthz", headers={"Host": settings.BASE_DOMAIN}, timeout=WAIT_TIMEOUT).ok
        except requests.RequestException:  # not listening yet
            return False

    wait_for_start(process, log, healthy, what="gunicorn")
    yield str(port)
    stop_process(process)


def make_user(email: str, password: str = "correct horse battery staple"):
    from platform.accounts.models import User

    return User.objects.create_user(email=email, password=password)


def add_member(store, user, role: str):
    from tenants.models import Membership

    return Membership.objects.create(store=store, user=user, role=role)


def sign_in_on(client, user, store) -> None:
    """A session for ``user`` on ``store``'s host: sessions live in each store's own schema."""
    from django_tenants.utils import schema_context

    with schema_context(store.schema_name):
        client.force_login(user)


@pytest.fixture
def owner_a(store_a):
    user = make_user("owner@alpha.test")
    add_member(store_a, user, "owner")
    return user


@pytest.fixture
def ready_schema(db):
    """One ready schema in the pool, so the next signup is made at once (the tests' pool is otherwise empty)."""
    from tenants.schema_pool import build_ready_schema

    return build_ready_schema()
