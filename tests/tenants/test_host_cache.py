"""Routing a request costs no database query once its host is cached, and changes reach routing at once."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import host_cache
from tenants.models import StoreDomain
from tenants.services import close_store, rename_store, restore_store, suspend_store
from tests.conftest import host_of


def _routing_queries(client, host: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz-not-a-page", HTTP_HOST=host)
    return [q["sql"] for q in queries.captured_queries if "tenants_storedomain" in q["sql"]]


def test_a_cached_host_needs_no_domain_query(client, store_a):
    assert len(_routing_queries(client, host_of(store_a))) == 1
    assert _routing_queries(client, host_of(store_a)) == []
    host_cache._local.clear()  # another worker process: Redis still answers
    assert _routing_queries(client, host_of(store_a)) == []


def test_unknown_hosts_are_cached_too(client, db):
    assert len(_routing_queries(client, "ghost.localhost")) == 1
    assert _routing_queries(client, "ghost.localhost") == []


def test_suspending_closing_and_restoring_take_effect_on_the_next_request(
    client, store_a, owner_a, django_capture_on_commit_callbacks
):
    assert client.get("/", HTTP_HOST=host_of(store_a)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        suspend_store(store=store_a)
    assert client.get("/", HTTP_HOST=host_of(store_a)).status_code == 503
    with django_capture_on_commit_callbacks(execute=True):
        restore_store(store=store_a)
    assert client.get("/", HTTP_HOST=host_of(store_a)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        close_store(store=store_a, actor=owner_a, confirmation=store_a.name)
    assert client.get("/", HTTP_HOST=host_of(store_a)).status_code == 404


def test_without_a_commit_the_cached_answer_stays(client, store_a):
    # The invalidation waits for the commit: a rolled-back change must not be forgotten-then-recached.
    assert client.get("/", HTTP_HOST=host_of(store_a)).status_code == 200
    suspend_store(store=store_a)  # inside this test's transaction, never committed
    assert client.get("/", HTTP_HOST=host_of(store_a)).status_code == 200


def test_a_new_domain_is_served_even_after_it_was_looked_up(client, store_a, django_capture_on_commit_callbacks):
    assert client.get("/", HTTP_HOST="shop.alpha.test").status_code == 404  # cached as "no store"
    from tenants.models import DomainClaim
    from tenants.services import remove_custom_domain

    claim = DomainClaim.objects.create(store=store_a, domain="shop.alpha.test", token="t")
    with django_capture_on_commit_callbacks(execute=True):
        host_cache.forget_store_hosts(store_a, claim.domain)
        StoreDomain.objects.create(domain="shop.alpha.test", tenant=store_a, is_primary=False)
    assert client.get("/", HTTP_HOST="shop.alpha.test").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        remove_custom_domain(store=store_a, domain="shop.alpha.test")
    assert client.get("/", HTTP_HOST="shop.alpha.test").status_code == 404


def test_a_rename_shows_at_once(client, store_a, django_capture_on_commit_callbacks):
    client.get("/", HTTP_HOST=host_of(store_a))
    with django_capture_on_commit_callbacks(execute=True):
        rename_store(store=store_a, name="Alpha Renamed")
    assert "Alpha Renamed" in client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
