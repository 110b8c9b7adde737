"""The pool of ready schemas: a claimed schema is a freshly migrated one, renamed; stale ones are never used."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from tenants.models import ReadySchema
from tenants.schema_pool import (
    build_ready_schema,
    claim_ready_schema,
    create_migrated_schema,
    refill_pool,
    tenant_migrations_fingerprint,
)
from tenants.services import provision_store

pytestmark = pytest.mark.slow  # every test builds store schemas (every tenant migration): seconds each


def describe(schema: str) -> dict[str, list]:
    """Everything that makes up a schema's structure, with its own name taken out."""
    queries = {
        "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
                      FROM information_schema.columns WHERE table_schema = %s""",
        "constraints": """SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
                          FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s""",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
        "sequences": "SELECT sequence_name, data_type FROM information_schema.sequences WHERE sequence_schema = %s",
    }
    result = {}
    with connection.cursor() as cursor:
        for key, sql in queries.items():
            cursor.execute(sql, [schema])
            rows = [tuple(str(value).replace(f"{schema}.", "").replace(schema, "<schema>") for value in row)
                    for row in cursor.fetchall()]  # fmt: skip
            result[key] = sorted(rows)
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        result["migrations"] = sorted(cursor.fetchall())
    return result


def test_a_claimed_schema_is_indistinguishable_from_a_freshly_migrated_one(db):
    build_ready_schema()
    with transaction.atomic():
        assert claim_ready_schema("store_claimed_probe")
    create_migrated_schema("store_fresh_probe")
    claimed, fresh = describe("store_claimed_probe"), describe("store_fresh_probe")
    assert claimed["columns"] and claimed["migrations"]
    assert claimed == fresh


def test_provisioning_claims_a_pooled_schema_when_there_is_one(db):
    ReadySchema.objects.all().delete()
    entry = build_ready_schema()
    store = provision_store(name="Pooled", slug="pooled")
    assert not ReadySchema.objects.filter(pk=entry.pk).exists()
    assert not schema_exists(entry.schema_name)
    assert schema_exists(store.schema_name)


def test_provisioning_migrates_a_new_schema_when_the_pool_is_empty(db):
    ReadySchema.objects.all().delete()
    store = provision_store(name="Unpooled", slug="unpooled")
    assert schema_exists(store.schema_name)


def test_a_failed_provisioning_puts_the_claimed_schema_back(db, monkeypatch):
    from storefront.themes import services as theme_services

    ReadySchema.objects.all().delete()
    entry = build_ready_schema()

    def broken(**kwargs):
        raise RuntimeError("simulated")

    monkeypatch.setattr(theme_services, "install_default_content", broken)
    with pytest.raises(Exception, match="Nothing was saved"):
        provision_store(name="Doomed", slug="doomed")
    assert ReadySchema.objects.filter(pk=entry.pk).exists()
    assert schema_exists(entry.schema_name) and not schema_exists("store_doomed")


def test_schemas_built_for_other_migrations_are_never_claimed_and_are_replaced(db):
    ReadySchema.objects.all().delete()
    stale = build_ready_schema()
    ReadySchema.objects.filter(pk=stale.pk).update(migrations_fingerprint="built-before-a-migration")
    with transaction.atomic():
        assert claim_ready_schema("store_never") is False
    assert refill_pool(size=1) == 1
    assert not schema_exists(stale.schema_name)
    assert list(ReadySchema.objects.values_list("migrations_fingerprint", flat=True)) == [
        tenant_migrations_fingerprint()
    ]


def test_a_row_whose_schema_was_renamed_away_is_dropped_and_the_next_ready_schema_claimed(db):
    # What a claim on a pod leaves when the pod's commit went through and the platform's then failed.
    ReadySchema.objects.all().delete()
    ghost = ReadySchema.objects.create(schema_name="pool_gone", migrations_fingerprint=tenant_migrations_fingerprint())
    with transaction.atomic():
        assert claim_ready_schema("store_after_ghost") is False
    assert not ReadySchema.objects.filter(pk=ghost.pk).exists()
    ReadySchema.objects.create(schema_name="pool_gone_too", migrations_fingerprint=tenant_migrations_fingerprint())
    entry = build_ready_schema()
    with transaction.atomic():
        assert claim_ready_schema("store_after_ghost") is True
    assert not ReadySchema.objects.exists() and schema_exists("store_after_ghost")
    assert not schema_exists(entry.schema_name)
