"""/healthz says the process is alive; /readyz says whether PostgreSQL, Redis, the broker and the migrations are."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from tests.support import free_port


def get_ready(client):
    return client.get("/readyz", HTTP_HOST=settings.BASE_DOMAIN)


def test_ready_when_every_dependency_is(client, store_a):
    answer = get_ready(client)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "status": "ready",
        "not_ready": [],
        "checks": {"postgresql": "ok", "redis": "ok", "broker": "ok", "migrations": "ok"},
    }
    assert "no-cache" in answer["Cache-Control"]


def test_not_ready_while_redis_is_unreachable(client, store_a, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    answer = get_ready(client)
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not ready" and body["not_ready"] == ["redis"]
    assert "ConnectionError" in body["checks"]["redis"]


def test_not_ready_while_a_public_migration_is_unapplied(client, store_a):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public.django_migrations WHERE app = 'tenants' AND name LIKE '0001%'")
    body = get_ready(client).json()
    assert body["not_ready"] == ["migrations"]
    assert "public schema lacks 1 migration(s), e.g. tenants.0001" in body["checks"]["migrations"]


def test_not_ready_while_a_stores_schema_lacks_a_migration(client, store_a, store_b):
    newest = max([store_a, store_b], key=lambda store: store.created_at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {newest.schema_name}.django_migrations WHERE app = 'catalog' AND name LIKE '0001%'"
        )
    answer = get_ready(client)
    assert answer.status_code == 503
    assert (
        f"store schema {newest.schema_name} lacks 1 migration(s), e.g. catalog.0001"
        in answer.json()["checks"]["migrations"]
    )


def test_readyz_is_on_the_platform_host_only(client, store_a):
    assert client.get("/readyz", HTTP_HOST=f"{store_a.slug}.{settings.BASE_DOMAIN}").status_code == 404
