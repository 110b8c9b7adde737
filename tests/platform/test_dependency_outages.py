"""A web server whose PostgreSQL fails: pages answer 503, and all heals without a restart.

Each test breaks a real service under a real gunicorn (one worker, DEBUG on, as under `make run`): the server's
PostgreSQL connection goes through a proxy that the test cuts. See docs/reliability.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.conftest import STORE_A, STORE_B, child_env, database_url_for_tests
from tests.faults import PortProxy, eventually, start_web_server
from tests.support import stop_process

pytestmark = pytest.mark.slow

ALPHA = f"{STORE_A['slug']}.{settings.BASE_DOMAIN}"
BETA = f"{STORE_B['slug']}.{settings.BASE_DOMAIN}"
# A request gets this long before the test calls it hung; a safety net, not a measure (docs/testing.md).
PATIENCE = 20


def get(url: str, host: str, path: str = "/", **kwargs) -> requests.Response:
    return requests.get(f"{url}{path}", headers={"Host": host}, timeout=PATIENCE, allow_redirects=False, **kwargs)


# --- PostgreSQL ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database_proxy(django_db_setup) -> Iterator[PortProxy]:
    proxy = PortProxy((connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432)))
    proxy.open()
    yield proxy
    proxy.cut()


@pytest.fixture(scope="module")
def web_through_proxy(database_proxy, tmp_path_factory) -> Iterator[str]:
    """gunicorn (DEBUG on) whose PostgreSQL connections all go through ``database_proxy``."""
    parts = urlsplit(database_url_for_tests())
    netloc = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    database_url = urlunsplit((parts.scheme, f"{netloc}127.0.0.1:{database_proxy.port}", parts.path, "", ""))
    log = tmp_path_factory.mktemp("web-db") / "server.log"
    process, url = start_web_server(child_env(DATABASE_URL=database_url, MERCATO_DEBUG="true"), log)
    yield url
    stop_process(process)


@pytest.fixture
def database_down(web_through_proxy, database_proxy) -> Iterator[str]:
    database_proxy.cut()
    yield web_through_proxy
    if not database_proxy.is_open:
        database_proxy.open()


def assert_friendly_503(response: requests.Response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Traceback" not in response.text and "OperationalError" not in response.text


def test_with_postgresql_down_pages_answer_503_with_a_friendly_page_and_recover(web_through_proxy, database_proxy):
    assert get(web_through_proxy, ALPHA, "/products/").status_code == 200  # connected, routes cached
    database_proxy.cut()

    # A search is never in the page cache; the new host is in no routing cache, so routing itself needs the database.
    for host, path in [(ALPHA, "/search/?q=tent"), (BETA, "/search/?q=novel"), (f"new.{settings.BASE_DOMAIN}", "/")]:
        page = get(web_through_proxy, host, path)
        assert_friendly_503(page)
        assert page.headers["Content-Type"].startswith("text/html")
        assert "We'll be back in a moment" in page.text and "try again in a minute" in page.text
    health = get(web_through_proxy, settings.BASE_DOMAIN, "/healthz")
    assert_friendly_503(health)

    database_proxy.open()
    eventually(lambda: get(web_through_proxy, BETA, "/products/").status_code == 200, what="pages served again")
    assert get(web_through_proxy, settings.BASE_DOMAIN, "/healthz").json() == {"status": "ok"}


def test_with_postgresql_down_the_api_answers_503_in_json(database_down):
    for host in (ALPHA, BETA):
        api = get(database_down, host, "/api/products")
        assert_friendly_503(api)
        assert api.headers["Content-Type"] == "application/json"
        assert api.json()["detail"].startswith("The service is briefly unavailable")
    directory = get(database_down, settings.BASE_DOMAIN, "/search.json", params={"q": "tent"})
    assert_friendly_503(directory)
    assert directory.headers["Content-Type"] == "application/json"
