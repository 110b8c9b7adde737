"""Hosts route to the right place: the platform site, a store's own schema, or a friendly 404."""

import socket
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from storefront.catalog.services import create_product
from tenants.models import Store
from tests.conftest import STORE_A, STORE_B, host_of


def test_platform_host_serves_the_platform_home_listing_stores(client, store_a, store_b):
    response = client.get("/", HTTP_HOST="localhost:8000")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Independent stores, one marketplace" in body
    assert STORE_A["name"] in body and STORE_B["name"] in body
    assert "http://alpha.localhost:8000/" in body


def test_each_store_host_shows_only_its_own_products(client, store_a, store_b):
    response_a = client.get("/", HTTP_HOST=host_of(store_a))
    response_b = client.get("/", HTTP_HOST=host_of(store_b))
    assert response_a.status_code == response_b.status_code == 200
    body_a, body_b = response_a.content.decode(), response_b.content.decode()
    assert STORE_A["product"] in body_a and STORE_B["product"] not in body_a
    assert STORE_B["product"] in body_b and STORE_A["product"] not in body_b
    assert f'<span class="store-name">{STORE_A["name"]}</span>' in body_a
    assert f"<h1>Welcome to {STORE_A['name']}</h1>" in body_a


def test_a_product_added_to_one_store_never_shows_on_another(client, store_a, store_b):
    with schema_context(store_a.schema_name):
        create_product(title="Only In Alpha Lantern", price=Decimal("5.00"))
    assert "Only In Alpha Lantern" in client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Only In Alpha Lantern" not in client.get("/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "Only In Alpha Lantern" not in client.get("/", HTTP_HOST="localhost").content.decode()


def test_a_request_runs_in_the_store_schema(client, store_a):
    client.get("/", HTTP_HOST=host_of(store_a))
    assert connection.schema_name == store_a.schema_name


@pytest.mark.parametrize("host", ["nosuchstore.localhost", "example.org", "alpha.example.org"])
def test_unknown_host_gets_a_friendly_404_page(client, db, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 404
    body = response.content.decode()
    assert "There's no store here" in body
    assert host in body
    assert "Independent stores, one marketplace" not in body


def test_a_request_without_a_host_gets_400_not_the_platform_site(client, db):
    # Django's test client sends no Host header unless told; the server's own name would then stand in for it.
    missing = client.get("/", SERVER_NAME="localhost")
    empty = client.get("/", HTTP_HOST="", SERVER_NAME="localhost")
    assert missing.status_code == empty.status_code == 400
    assert "Independent stores, one marketplace" not in missing.content.decode()
    assert "This address isn't one Mercato serves." in missing.content.decode()


@pytest.mark.parametrize(
    "request_head",
    [b"GET / HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n", b"GET / HTTP/1.0\r\n\r\n"],
    ids=["empty Host header", "no Host header"],
)
def test_the_server_answers_400_without_a_host(live_server_url, request_head):
    with socket.create_connection(("127.0.0.1", int(live_server_url)), timeout=10) as sock:
        sock.sendall(request_head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"400", status_line
    assert b"Independent stores, one marketplace" not in rest


def test_platform_only_urls_are_not_served_on_store_hosts(client, store_a):
    assert client.get("/admin/", HTTP_HOST=host_of(store_a)).status_code == 404


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (Store.Status.SUSPENDED, 503, "temporarily unavailable"),
        (Store.Status.CLOSED, 404, "has closed"),
        (Store.Status.PROVISIONING, 503, "being set up"),
    ],
)
def test_a_store_that_is_not_active_does_not_sell(client, store_a, status, code, message):
    Store.objects.filter(pk=store_a.pk).update(status=status)
    response = client.get("/", HTTP_HOST=host_of(store_a))
    assert response.status_code == code
    assert message in response.content.decode()
    assert STORE_A["product"] not in response.content.decode()


def test_media_of_one_store_is_not_served_on_another_store_host(client, store_a, store_b, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / store_a.schema_name / "products").mkdir(parents=True)
    (tmp_path / store_a.schema_name / "products" / "a.png").write_bytes(b"png-bytes")
    path = f"/media/{store_a.schema_name}/products/a.png"
    own = client.get(path, HTTP_HOST=host_of(store_a))
    assert own.status_code == 200 and b"".join(own.streaming_content) == b"png-bytes"
    assert client.get(path, HTTP_HOST=host_of(store_b)).status_code == 404
    assert (
        client.get(f"/media/{store_a.schema_name}/../{store_b.schema_name}/x", HTTP_HOST=host_of(store_a)).status_code
        == 404
    )
