"""Fixtures of the directory tests: helpers that fill a store's catalog and drain it into the directory."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context


def drain(store) -> int:
    """Drain ``store``'s outbox here, as the worker's task would (tests in a rolled-back transaction)."""
    from storefront.directory_feed.services import drain_outbox

    with schema_context(store.schema_name):
        applied = drain_outbox()
    connection.set_schema_to_public()
    return applied


@pytest.fixture
def in_store():
    """``in_store(store)``: a context manager running the block in the store's schema."""
    return lambda store: schema_context(store.schema_name)
