"""The page cache's fast path: cached pages answered before sessions, CSRF and auth, to anonymous GETs only.

Each test first makes sure the page *is* in the cache (an anonymous visitor gets a hit), then shows who must not
be given it.
"""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from storefront import page_cache
from storefront.catalog.models import ProductVariant
from tests.conftest import STORE_A, host_of, sign_in_on
from tests.storefront.customers.support import sign_up

# Headers that differ between any two answers, or say where the page came from.
# Headers each answer has its own value of; a hit must still carry a request id of its own.
_PER_ANSWER = {"date", "x-page-cache", "x-page-cache-from", "content-length", "x-request-id"}


def _get(client: Client, store, path: str = "/products/"):
    return client.get(path, HTTP_HOST=host_of(store))


@pytest.fixture
def cached_list(store_a):
    """Store A's product list, in the page cache."""
    first = _get(Client(), store_a)
    assert first["X-Page-Cache"] == "miss"
    assert _get(Client(), store_a)["X-Page-Cache"] == "hit"
    return first


def test_a_hit_sends_no_query_and_the_same_headers_as_the_page_it_copies(cached_list, store_a):
    with CaptureQueriesContext(connection) as queries:
        hit = _get(Client(), store_a)
    assert hit["X-Page-Cache"] == "hit" and hit.content == cached_list.content
    assert len(queries) == 0
    headers = lambda response: {k.lower(): v for k, v in response.items() if k.lower() not in _PER_ANSWER}  # noqa: E731
    assert headers(hit) == headers(cached_list)
    assert hit["X-Request-ID"] and hit["X-Request-ID"] != cached_list["X-Request-ID"]
    # The security headers are all there: the fast path sits inside the middleware that adds them.
    assert "default-src 'self'" in hit["Content-Security-Policy"]
    assert hit["X-Frame-Options"] == "DENY" and hit["X-Content-Type-Options"] == "nosniff"
    assert "Referrer-Policy" in hit and not hit.cookies


def test_a_head_request_is_served_too_and_a_post_never_is(cached_list, store_a):
    head = Client().head("/products/", HTTP_HOST=host_of(store_a))
    assert head["X-Page-Cache"] == "hit"
    post = Client().post("/products/", HTTP_HOST=host_of(store_a))
    assert post.status_code == 405 and "X-Page-Cache" not in post


def test_a_signed_in_seller_gets_a_page_of_their_own(cached_list, client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    page = _get(client, store_a)
    assert page.status_code == 200 and "X-Page-Cache" not in page


def test_a_signed_in_buyer_gets_a_page_of_their_own(cached_list, store_a):
    buyer = Client()
    assert sign_up(buyer, store_a).status_code == 302
    page = _get(buyer, store_a)
    assert page.status_code == 200 and "X-Page-Cache" not in page
    assert _get(Client(), store_a)["X-Page-Cache"] == "hit"  # and their page was not stored for others


def test_a_buyer_with_items_in_the_cart_sees_their_count_not_the_cached_page(cached_list, store_a):
    buyer = Client()
    with schema_context(store_a.schema_name):
        variant = ProductVariant.objects.filter(product__title=STORE_A["product"]).first()
    buyer.post("/cart/add/", {"variant": variant.pk, "quantity": 2}, HTTP_HOST=host_of(store_a))
    buyer.get("/cart/", HTTP_HOST=host_of(store_a))
    page = _get(buyer, store_a)
    assert "X-Page-Cache" not in page and 'id="cart-count">2<' in page.content.decode()
    assert 'id="cart-count"' not in _get(Client(), store_a).content.decode()


def test_a_visitor_with_messages_waiting_gets_a_page_of_their_own(cached_list, store_a):
    visitor = Client()
    visitor.cookies["messages"] = "anything"  # the cookie message storage's: messages to show on the next page
    page = _get(visitor, store_a)
    assert page.status_code == 200 and "X-Page-Cache" not in page


def test_another_store_never_gets_this_stores_page(cached_list, store_b):
    other = _get(Client(), store_b)
    assert other["X-Page-Cache"] == "miss" and STORE_A["product"] not in other.content.decode()


def test_pages_that_are_not_cached_are_not_answered_by_the_fast_path(cached_list, store_a):
    # The contact form carries a CSRF token of its own, so it is never cached.
    for _ in range(2):
        contact = _get(Client(), store_a, "/contact/")
        assert contact.status_code == 200 and "X-Page-Cache" not in contact


def test_with_the_page_cache_off_nothing_is_served_from_it(cached_list, store_a, settings):
    settings.STOREFRONT_PAGE_CACHE = False
    assert "X-Page-Cache" not in _get(Client(), store_a)


def test_a_product_page_is_stored_and_then_served_with_no_query(store_a):
    path = "/products/alpha-trail-tent/"
    first = _get(Client(), store_a, path)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss" and not first.cookies
    with CaptureQueriesContext(connection) as queries:
        hit = _get(Client(), store_a, path)
    assert hit["X-Page-Cache"] == "hit" and hit.content == first.content
    assert len(queries) == 0


@pytest.fixture
def page_copy(settings):
    settings.STOREFRONT_PAGE_COPY = True


def test_without_the_process_copy_every_hit_asks_redis(cached_list, store_a):
    assert [_get(Client(), store_a)["X-Page-Cache-From"] for _ in range(3)] == ["redis"] * 3


def _in_the_process_copy(store, path: str = "/products/"):
    """Visit ``path`` until this process answers it from its own copy; that answer."""
    answers = [_get(Client(), store, path) for _ in range(3)]
    assert [a.get("X-Page-Cache-From") for a in answers] == [None, "redis", "process"]
    return answers[-1]


def test_a_page_in_the_process_copy_is_answered_with_no_query_and_no_redis_call(page_copy, store_a, monkeypatch):
    copied = _in_the_process_copy(store_a)

    def no_redis(*args, **kwargs):
        raise AssertionError("Redis was called")

    monkeypatch.setattr(page_cache.cache, "get_many", no_redis)
    monkeypatch.setattr(page_cache.cache, "get", no_redis)
    with CaptureQueriesContext(connection) as queries:
        hit = _get(Client(), store_a)
    assert len(queries) == 0
    assert hit["X-Page-Cache"] == "hit" and hit["X-Page-Cache-From"] == "process"
    assert hit.content == copied.content


def _changed_elsewhere(store) -> None:
    """What another process's change does: a new version in Redis, and the message on the channel."""
    with schema_context(store.schema_name):
        cache.set(page_cache._VERSION_KEY, "changed-elsewhere", None)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.publish(page_cache._channel(), store.schema_name)
    client.ping()  # as the service does: the message is in every subscriber's socket once this is answered
    client.close()


def test_a_change_announced_by_another_process_drops_only_that_stores_copy(page_copy, store_a, store_b):
    _in_the_process_copy(store_a)
    _in_the_process_copy(store_b)
    _changed_elsewhere(store_a)
    again = _get(Client(), store_a)
    # The page was made under the old version: rendered afresh, not answered from any copy.
    assert again["X-Page-Cache"] == "miss" and "X-Page-Cache-From" not in again
    assert _get(Client(), store_b)["X-Page-Cache-From"] == "process"


def test_a_broken_subscription_drops_every_copy(page_copy, store_a):
    _in_the_process_copy(store_a)
    # The connection drops (a Redis restart, a network cut): messages may have been missed meanwhile.
    page_cache.process_copy._pubsub.connection.disconnect()
    assert _get(Client(), store_a)["X-Page-Cache-From"] == "redis"
    assert _get(Client(), store_a)["X-Page-Cache-From"] == "process"
