"""Pages answered from a worker's own copy are never stale: a change made elsewhere is seen by every worker at once.

One gunicorn with several worker processes, each keeping its copy (``MERCATO_PAGE_COPY``), serves the test
database. Each test has every worker answer the page from its own copy (``X-Page-Cache-From: process``, no round
trip), changes the content in this process through its service, and then reads the page many times,
concurrently, so that every worker answers some of the reads: each read must show the change. The access log
names the worker process that answered each read.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django_tenants.utils import schema_context

from tests.conftest import STORE_A, STORE_B, child_env
from tests.support import (
    WAIT_TIMEOUT,
    collection_retitled,
    free_port,
    spawn,
    stop_process,
    theme_changed,
    wait_for_start,
    wait_until,
)

pytestmark = pytest.mark.slow  # starts a server of its own

WORKERS = 3
ALPHA = f"{STORE_A['slug']}.{settings.BASE_DOMAIN}"
BETA = f"{STORE_B['slug']}.{settings.BASE_DOMAIN}"
# Per answer: the worker's process id, the test's probe number, and where the page came from.
_LOG_FORMAT = "probe %(p)s %({x-probe}i)s %({x-page-cache}o)s %({x-page-cache-from}o)s"
_probes = itertools.count()


class Server:
    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log

    def answers(self) -> dict[str, tuple[str, str, str]]:
        """probe number -> (worker pid, X-Page-Cache, X-Page-Cache-From), from the access log."""
        found = {}
        for line in self.log.read_text().splitlines():
            parts = line.split()
            if len(parts) == 5 and parts[0] == "probe":
                found[parts[2]] = (parts[1], parts[3], parts[4])
        return found


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("process-copies") / "server.log"
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "platform.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS), "--access-logfile", "-", "--access-logformat", _LOG_FORMAT,
    ]  # fmt: skip
    process = spawn(command, env=child_env(MERCATO_PORT=str(port), MERCATO_PAGE_COPY="true"), log=log)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{url}/healthz", headers={"Host": settings.BASE_DOMAIN}, timeout=5).ok
        except requests.RequestException:
            return False

    wait_for_start(process, log, healthy, what="gunicorn")
    try:
        yield Server(url, log)
    finally:
        stop_process(process)


@pytest.fixture
def alpha(committed):
    from tenants.models import Store

    store = Store.objects.get(slug=STORE_A["slug"])
    with schema_context(store.schema_name):
        yield store


def _read_many(server: Server, path: str, count: int, host: str = ALPHA) -> list[tuple[str, str, str, str]]:
    """``count`` reads of ``path``, eight at a time on fresh connections: (page, worker, cache, from) each."""

    def read(probe: str) -> tuple[str, str]:
        response = requests.get(server.url + path, headers={"Host": host, "X-Probe": probe}, timeout=WAIT_TIMEOUT)
        assert response.status_code == 200, (path, response.status_code)
        return probe, response.text

    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(read, [str(next(_probes)) for _ in range(count)]))

    def logged() -> dict[str, tuple[str, str, str]] | None:
        answers = server.answers()
        return answers if all(probe in answers for probe, _ in pages) else None

    answers = wait_until(logged, timeout=30, what="the access log's lines for every read")
    return [(text, *answers[probe]) for probe, text in pages]


def _every_worker_answers_from_its_copy(server: Server, path: str, shown: str, host: str = ALPHA) -> None:
    served_from_copy: set[str] = set()
    for _ in range(30):
        for text, worker, _cache, source in _read_many(server, path, 24, host):
            assert shown in text
            if source == "process":
                served_from_copy.add(worker)
        if len(served_from_copy) == WORKERS:
            return
    raise AssertionError(f"only workers {served_from_copy} answered {path} from their own copy")


def _every_worker_shows_at_once(server: Server, path: str, change: Callable[[], None], old: str, new: str) -> None:
    _every_worker_answers_from_its_copy(server, path, old)
    change()
    answered_by: set[str] = set()
    for _ in range(30):
        for text, worker, _cache, _source in _read_many(server, path, 24):
            assert new in text and old not in text, worker
            answered_by.add(worker)
        if len(answered_by) == WORKERS:
            break
    assert len(answered_by) == WORKERS, answered_by


def test_a_price_change_is_shown_by_every_worker_at_once(server, alpha):
    from storefront.catalog.models import ProductVariant
    from storefront.catalog.services import update_variant

    variant = ProductVariant.objects.filter(product__title=STORE_A["product"]).first()
    before = variant.price
    try:
        _every_worker_shows_at_once(
            server,
            "/products/alpha-trail-tent/",
            lambda: update_variant(variant=variant, price=Decimal("23.75")),
            f"${before}",
            "$23.75",
        )
    finally:
        update_variant(variant=variant, price=before)


def test_a_collection_change_is_shown_by_every_worker_at_once(server, alpha):
    with collection_retitled("Hut Kit", "Hut Gear") as change:
        _every_worker_shows_at_once(server, *change)


def test_a_theme_change_is_shown_by_every_worker_at_once_and_only_in_its_store(server, alpha):
    with theme_changed("midnight") as change:
        # The other store's page is in every worker's copy too; its own theme must stay.
        beta_theme = _theme_of(_read_many(server, "/products/", 1, host=BETA)[0][0])
        _every_worker_answers_from_its_copy(server, "/products/", f'class="theme-{beta_theme}"', BETA)
        _every_worker_shows_at_once(server, *change)
        for text, *_ in _read_many(server, "/products/", 24, host=BETA):
            assert _theme_of(text) == beta_theme and STORE_A["name"] not in text


def _theme_of(page: str) -> str:
    start = page.index('class="theme-') + len('class="theme-')
    return page[start : page.index('"', start)]
