"""The store switch's SET search_path, sent with the next statement (tenants.postgresql_backend), lands every kind
of statement in the right store's schema."""

from django.db import connection
from django_tenants.utils import schema_context


def _current_schema_by_copy() -> str:
    with connection.cursor() as cursor, cursor.copy("COPY (SELECT current_schema()) TO STDOUT") as copy:
        return b"".join(bytes(chunk) for chunk in copy).decode().strip()


def _current_schema_by_select() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_a_select_and_a_copy_right_after_a_switch_run_in_the_new_store(store_a, store_b):
    for store in (store_a, store_b, store_a):
        with schema_context(store.schema_name):
            assert _current_schema_by_select() == store.schema_name
        with schema_context(store.schema_name):
            assert _current_schema_by_copy() == store.schema_name
