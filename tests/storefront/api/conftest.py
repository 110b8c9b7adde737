"""Fixtures of the store API tests: API tokens of both stores and a client speaking JSON to a store host."""

import json as jsonlib

import pytest
from django_tenants.utils import schema_context

from tests.conftest import host_of
from tests.storefront.catalog.conftest import clean_stores  # noqa: F401 (a fixture these tests use too)


def issue_token(store, name: str = "tests") -> str:
    from storefront.api.services import create_api_token

    with schema_context(store.schema_name):
        return create_api_token(name=name).secret


@pytest.fixture
def token_a(store_a) -> str:
    return issue_token(store_a)


@pytest.fixture
def token_b(store_b) -> str:
    return issue_token(store_b)


class StoreApi:
    """Calls /api/... on a store's host, as a program would."""

    def __init__(self, client) -> None:
        self.client = client

    def __call__(self, method: str, store, path: str, *, token: str | None = None, json=None, raw=None, data=None):
        extra = {"HTTP_HOST": host_of(store)}
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        call = getattr(self.client, method)
        if json is not None or raw is not None:
            body = raw if raw is not None else jsonlib.dumps(json)
            return call(f"/api{path}", data=body, content_type="application/json", **extra)
        if data is not None:  # multipart, for uploads
            return call(f"/api{path}", data=data, **extra)
        return call(f"/api{path}", **extra)


@pytest.fixture
def api(client) -> StoreApi:
    return StoreApi(client)
