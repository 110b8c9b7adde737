"""tenants.connection.connection is Django's own connection under a typed name: it follows every schema switch."""

from django.db import connection as django_connection
from django_tenants.utils import schema_context

from tenants.connection import connection


def test_it_is_the_same_object_as_djangos_connection():
    assert connection is django_connection


def test_it_reads_the_schema_each_store_switches_to(store_a, store_b):
    with schema_context(store_a.schema_name):
        assert connection.schema_name == store_a.schema_name
        with schema_context(store_b.schema_name):
            assert connection.schema_name == store_b.schema_name
            assert connection.tenant.schema_name == store_b.schema_name
        assert connection.schema_name == store_a.schema_name
