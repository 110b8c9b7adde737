"""A web server whose Redis or PostgreSQL fails: pages keep coming or answer 503, and all heals without a restart.

Each test breaks a real service under a real gunicorn (one worker, DEBUG on, as under `make run`): a private
redis-server that the server uses as its cache and broker is stopped (SIGTERM) or frozen (SIGSTOP), and the
server's PostgreSQL connection goes through a proxy that the test cuts. See docs/reliability.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.conftest import STORE_A, STORE_B, add_member, child_env, database_url_for_tests, make_user
from tests.faults import PortProxy, PrivateRedis, eventually, start_web_server
from tests.support import stop_process

pytestmark = pytest.mark.slow

ALPHA = f"{STORE_A['slug']}.{settings.BASE_DOMAIN}"
BETA = f"{STORE_B['slug']}.{settings.BASE_DOMAIN}"
# A request gets this long before the test calls it hung; a safety net, not a measure (docs/testing.md).
PATIENCE = 20


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def web_on_private_redis(django_db_setup, redis_server, tmp_path_factory) -> Iterator[str]:
    """gunicorn whose cache, sessions and task broker are all the private redis-server."""
    log = tmp_path_factory.mktemp("web-redis") / "server.log"
    env = child_env(REDIS_URL=redis_server.url, MERCATO_DEBUG="true")
    env.pop("CELERY_BROKER_URL", None)
    process, url = start_web_server(env, log)
    yield url
    stop_process(process)


@pytest.fixture
def web(web_on_private_redis, redis_server) -> Iterator[str]:
    yield web_on_private_redis
    redis_server.running()  # whatever the test did to it, the next test starts with Redis up


def get(url: str, host: str, path: str = "/", **kwargs) -> requests.Response:
    return requests.get(f"{url}{path}", headers={"Host": host}, timeout=PATIENCE, allow_redirects=False, **kwargs)


def page_served_from_cache(url: str, host: str, path: str = "/") -> bool:
    return get(url, host, path).headers.get("X-Page-Cache") == "hit"


def test_with_redis_stopped_stores_are_routed_from_the_database_and_pages_made_uncached(web, redis_server):
    assert get(web, ALPHA).status_code == 200
    assert page_served_from_cache(web, ALPHA)

    redis_server.stop()
    home = get(web, ALPHA)
    assert home.status_code == 200 and STORE_A["name"] in home.text
    assert home.headers["X-Page-Cache"] == "miss"  # made for this request; the copy in Redis is out of reach
    # A host this server has never routed: its store can only come from the database.
    other = get(web, BETA)
    assert other.status_code == 200 and STORE_B["name"] in other.text
    product = get(web, ALPHA, "/products/")
    assert product.status_code == 200 and STORE_A["product"] in product.text
    api = get(web, BETA, "/api/products")
    assert api.status_code == 200 and STORE_B["product"] in [item["title"] for item in api.json()["items"]]
    nowhere = get(web, f"nowhere.{settings.BASE_DOMAIN}")
    assert nowhere.status_code == 404 and "There's no store here" in nowhere.text

    redis_server.start()  # an empty Redis on the same port; the server is not restarted
    eventually(lambda: page_served_from_cache(web, ALPHA), what="the page cache in use again")
    assert STORE_A["name"] in get(web, ALPHA).text


def test_with_redis_frozen_every_page_still_answers(web, redis_server):
    assert get(web, ALPHA).status_code == 200
    assert page_served_from_cache(web, ALPHA)

    redis_server.freeze()
    answers = [get(web, host, path) for host, path in [(ALPHA, "/"), (BETA, "/"), (ALPHA, "/products/")] * 2]
    assert [response.status_code for response in answers] == [200] * 6
    assert all(response.headers["X-Page-Cache"] == "miss" for response in answers)
    api = get(web, ALPHA, "/api/products")
    assert api.status_code == 200 and STORE_A["product"] in [item["title"] for item in api.json()["items"]]

    redis_server.resume()
    eventually(lambda: page_served_from_cache(web, ALPHA), what="the page cache in use again")


@pytest.fixture
def seller(committed) -> Iterator[dict[str, str]]:
    from tenants.models import Store

    user = make_user("outage-seller@alpha.test", password="a long outage password")
    add_member(Store.objects.get(slug=STORE_A["slug"]), user, "owner")
    yield {"email": user.email, "password": "a long outage password"}
    user.delete()


def sign_in(url: str, seller: dict[str, str]) -> requests.Session:
    browser = requests.Session()
    browser.headers["Host"] = ALPHA
    form = browser.get(f"{url}/dashboard/login/", timeout=PATIENCE)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    signed_in = browser.post(
        f"{url}/dashboard/login/",
        data={**seller, "csrfmiddlewaretoken": token, "next": "/dashboard/"},
        timeout=PATIENCE,
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text
    return browser


def dashboard(url: str, browser: requests.Session) -> requests.Response:
    return browser.get(f"{url}/dashboard/", timeout=PATIENCE, allow_redirects=False)


def test_a_seller_stays_signed_in_while_redis_is_down(web, redis_server, seller):
    browser = sign_in(web, seller)
    assert dashboard(web, browser).status_code == 200

    redis_server.stop()
    page = dashboard(web, browser)
    assert page.status_code == 200  # not sent to sign in: the session is read from PostgreSQL

    redis_server.start()
    assert dashboard(web, browser).status_code == 200


def test_signing_out_while_redis_is_frozen_stays_signed_out_when_it_thaws(web, redis_server, seller):
    """The session's copy in Redis could not be deleted at sign-out; it must not sign the cookie in again."""
    browser = sign_in(web, seller)
    assert dashboard(web, browser).status_code == 200  # the session now has a copy in Redis
    old_cookie = browser.cookies["sessionid"]

    redis_server.freeze()
    token = browser.cookies["csrftoken"]
    signed_out = browser.post(
        f"{web}/dashboard/logout/", data={"csrfmiddlewaretoken": token}, timeout=PATIENCE, allow_redirects=False
    )
    assert signed_out.status_code == 302
    redis_server.resume()
    eventually(lambda: page_served_from_cache(web, ALPHA), what="Redis in use again")

    replayed = requests.get(
        f"{web}/dashboard/", headers={"Host": ALPHA}, cookies={"sessionid": old_cookie}, timeout=PATIENCE,
        allow_redirects=False,
    )  # fmt: skip
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/dashboard/login/")


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
