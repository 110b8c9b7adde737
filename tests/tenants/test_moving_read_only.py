"""A store being moved to another pod is read-only: every page and API read still answers, every write is refused
with a 503 that says to try again in a minute, and nothing is written. Another store is unaffected."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from storefront.catalog.models import Product
from tenants.host_cache import forget_store_hosts
from tenants.models import Store
from tenants.pods.selectors import MOVE_GIVEN_UP_AFTER
from tests.conftest import host_of, sign_in_on
from tests.storefront.api.conftest import issue_token, token_b  # noqa: F401  (store_b's token)

NEW_PRODUCT = {"title": "Alpha Moving Stove", "status": "active", "price": "49.90", "sku": "MOVE-1", "stock": "0"}


def mark_moving(store, capture, moving: bool, *, since=None) -> None:
    with capture(execute=True):
        Store.objects.filter(pk=store.pk).update(moving_since=(since or timezone.now()) if moving else None)
        forget_store_hosts(store)


@pytest.fixture
def moving(store_a, django_capture_on_commit_callbacks):
    mark_moving(store_a, django_capture_on_commit_callbacks, True)
    yield store_a
    mark_moving(store_a, django_capture_on_commit_callbacks, False)


def _titles(store) -> set[str]:
    with schema_context(store.schema_name):
        return set(Product.objects.values_list("title", flat=True))


def test_a_moving_store_answers_reads_and_refuses_writes_with_a_503(client, owner_a, moving, store_b, token_b):  # noqa: F811
    sign_in_on(client, owner_a, moving)
    host = host_of(moving)
    assert client.get("/dashboard/products/", HTTP_HOST=host).status_code == 200
    assert client.get("/products/", HTTP_HOST=host).status_code == 200
    refused = client.post("/dashboard/products/new/", NEW_PRODUCT, HTTP_HOST=host)
    assert refused.status_code == 503 and refused["Retry-After"] == "60"
    page = refused.content.decode().replace("&#x27;", "'")
    assert "is being moved and can't take changes just now" in page and "try again in a minute" in page
    assert "Alpha Moving Stove" not in _titles(moving)

    token = issue_token(moving)
    extra = {"HTTP_HOST": host, "HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/seller/products", **extra).status_code == 200
    api = client.post("/api/seller/products", json.dumps({"title": "Via API", "price": "1.00"}),
                      content_type="application/json", **extra)  # fmt: skip
    assert api.status_code == 503 and "try again in a minute" in api.json()["detail"]
    assert "Via API" not in _titles(moving)

    # The other store takes its writes as usual.
    other = client.post("/api/seller/products", json.dumps({"title": "Beta Kept Writing", "variants": [{"sku": "KEPT-1", "price": "1.00"}]}),
                        content_type="application/json", HTTP_HOST=host_of(store_b),
                        HTTP_AUTHORIZATION=f"Bearer {token_b}")  # fmt: skip
    assert other.status_code == 201, other.content
    assert "Beta Kept Writing" in _titles(store_b)


def test_a_flag_left_by_a_move_that_died_stops_refusing_writes(
    client, owner_a, moving, django_capture_on_commit_callbacks
):
    sign_in_on(client, owner_a, moving)
    host = host_of(moving)
    assert client.post("/dashboard/products/new/", NEW_PRODUCT, HTTP_HOST=host).status_code == 503
    # Older than any move takes: its process is gone, and with it its transactions and locks.
    since = timezone.now() - MOVE_GIVEN_UP_AFTER - timedelta(minutes=1)
    mark_moving(moving, django_capture_on_commit_callbacks, True, since=since)
    assert client.post("/dashboard/products/new/", NEW_PRODUCT, HTTP_HOST=host).status_code == 302
    assert "Alpha Moving Stove" in _titles(moving)


def test_a_chinese_visitor_is_told_in_chinese_that_the_store_is_being_moved(client, moving):
    refused = client.post("/contact/", {"message": "你好"}, HTTP_HOST=host_of(moving), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 503
    page = refused.content.decode()
    assert "正在迁移，暂时无法接受修改：未做任何更改。" in page and "未做任何更改" in page
    assert "being moved" not in page and "Nothing was changed" not in page
    english = client.post("/contact/", {"message": "hello"}, HTTP_HOST=host_of(moving)).content.decode()
    assert "is being moved and can't take changes just now" in english.replace("&#x27;", "'")
