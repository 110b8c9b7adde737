"""Each pod's own schema pool (a store placed on a pod claims a ready schema of that pod only; the refill and the
fleet migration reach it on the pod), and per-pod backups: a pod's dump brings back a dropped store schema, and
only into the store's own database."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import ProgrammingError, connections

from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from tenants.fleet.models import SchemaMigrationStatus
from tenants.fleet.selectors import current_target
from tenants.models import Pod, ReadySchema
from tenants.pods.routing import store_context
from tenants.schema_pool import (
    build_ready_schema,
    pool_has_ready_schema,
    pool_of,
    refill_pool,
    tenant_migrations_fingerprint,
)
from tenants.services import provision_store
from tests.conftest import host_of
from tests.pods import platform_schemas, pod_schemas
from tests.tenants.test_fleet import probe
from tools.probe_migration import write_probe_migrations

# Three pod servers and pooled schemas built on them: seconds each (tests/pods.py).
pytestmark = [pytest.mark.pods, pytest.mark.slow]


def schemas_on(alias: str, prefix: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [prefix])
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture(scope="module")
def pooled_store(open_pods, django_db_blocker):
    """One ready schema built on pod1 and one on pod2, then the store "pool-one" provisioned by placement (pod1,
    the oldest of the empty pods), with a product; returns the store and the pooled schemas before."""
    with django_db_blocker.unblock():
        pod1, pod2, _ = open_pods
        before = {pod.name: build_ready_schema(pod=pod).schema_name for pod in (pod1, pod2)}
        before["platform"] = set(pool_of(None).values_list("schema_name", flat=True))
        store = provision_store(name="Pool One", slug="pool-one")
        with store_context(store):
            create_product(title="Pooled lantern", price=Decimal("12.00"))
    return store, before


def test_a_store_placed_on_a_pod_claims_that_pods_ready_schema_and_the_refill_builds_another_there(
    pooled_store, open_pods, client, committed
):
    store, before = pooled_store
    pod1, pod2, pod3 = open_pods
    assert store.pod == pod1
    # pod1's pooled schema became the store's; pod2's and the platform's pools are untouched.
    assert not ReadySchema.objects.filter(schema_name=before["pod1"]).exists()
    assert schemas_on(pod1.database_alias, "pool_") == set()
    assert pod_schemas(pod1.database_alias) == {store.schema_name}
    assert list(pool_of(pod2).values_list("schema_name", flat=True)) == [before["pod2"]]
    assert schemas_on(pod2.database_alias, "pool_") == {before["pod2"]}
    assert store.schema_name not in pod_schemas(pod2.database_alias) | platform_schemas()
    assert set(pool_of(None).values_list("schema_name", flat=True)) == before["platform"]
    # It is a working store: the provisioning's default content and its product, served on its host.
    with store_context(store):
        assert list(Product.objects.values_list("title", flat=True)) == ["Pooled lantern"]
    page = client.get("/products/", HTTP_HOST=host_of(store))
    assert page.status_code == 200 and "Pooled lantern" in page.content.decode()

    # The refill tops up the pools of the open pods (here pod1 alone), on the pod itself.
    Pod.objects.filter(pk__in=[pod2.pk, pod3.pk]).update(is_open=False)
    try:
        assert refill_pool(size=1) == 1
    finally:
        Pod.objects.filter(pk__in=[pod2.pk, pod3.pk]).update(is_open=True)
    (rebuilt,) = pool_of(pod1)
    assert schemas_on(pod1.database_alias, "pool_") == {rebuilt.schema_name}
    assert rebuilt.schema_name not in schemas_on(pod3.database_alias, "pool_") | platform_schemas()
    assert not pool_of(pod3).exists()
    with connections[pod1.database_alias].cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{rebuilt.schema_name}".django_migrations')
        assert cursor.fetchone()[0] > 0


def test_a_signup_is_made_at_once_from_the_pool_of_the_pod_it_is_placed_on(pooled_store, open_pods, committed):
    from platform.accounts.models import User
    from platform.accounts.services import open_store_for

    _, pod2, _ = open_pods
    ready = pool_of(pod2).get()  # the fixture's; the platform's pool is empty in tests
    assert not pool_has_ready_schema(pod=None)
    user = User.objects.create_user(email="pool-two@mercato.test", password="a long signup passphrase")
    try:
        # pod1 holds "pool-one": the least-loaded open pod is pod2, whose ready schema makes the store now.
        store = open_store_for(user=user, store_name="Pool Two", slug="pool-two")
        assert store.pod == pod2 and store.memberships.filter(user=user).exists()
        assert not ReadySchema.objects.filter(pk=ready.pk).exists()
        assert store.schema_name in pod_schemas(pod2.database_alias)
        assert schemas_on(pod2.database_alias, "pool_") == set()
    finally:
        user.delete()


def test_a_pods_backup_restores_a_dropped_store_schema_and_only_into_its_own_pod(
    pooled_store, open_pods, tmp_path, committed
):
    store, _ = pooled_store
    pod1, pod2, _ = open_pods
    # Without --pod: the platform database and every pod, one dump each.
    call_command("pods", "backup", "--to", str(tmp_path / "all"))
    assert sorted(path.name for path in (tmp_path / "all").iterdir()) == [
        "platform.dump", "pod1.dump", "pod2.dump", "pod3.dump"
    ]  # fmt: skip
    call_command("pods", "backup", "--pod", "pod1", "--pod", "pod2", "--to", str(tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["all", "pod1.dump", "pod2.dump"]

    # A dump that isn't the store's database's, and a restore over the live schema, are refused.
    with pytest.raises(CommandError, match="holds no schema store_pool_one"):
        call_command("pods", "restore", "pool-one", "--from", str(tmp_path / "pod2.dump"))
    with pytest.raises(CommandError, match="exists on this database"):
        call_command("pods", "restore", "pool-one", "--from", str(tmp_path / "pod1.dump"))
    with pytest.raises(CommandError, match="No pod called nowhere"):
        call_command("pods", "backup", "--pod", "nowhere", "--to", str(tmp_path / "other"))

    with connections[pod1.database_alias].cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{store.schema_name}" CASCADE')
    with pytest.raises(ProgrammingError), store_context(store):
        Product.objects.count()
    connections[pod1.database_alias].close()  # the failed query's connection starts clean

    call_command("pods", "restore", "pool-one", "--from", str(tmp_path / "pod1.dump"))
    assert store.schema_name in pod_schemas(pod1.database_alias)
    assert store.schema_name not in pod_schemas(pod2.database_alias) | platform_schemas()
    with store_context(store):
        assert list(Product.objects.values_list("title", "price")) == [("Pooled lantern", Decimal("12.00"))]
    # pod2's pooled schema was neither in pod1's dump nor touched by the restore.
    assert schemas_on(pod2.database_alias, "pool_") == set(pool_of(pod2).values_list("schema_name", flat=True))


def test_migrate_stores_migrates_a_pods_pooled_schema_on_the_pod_and_it_stays_claimable(
    pooled_store, open_pods, settings, tmp_path, committed
):
    pod1 = open_pods[0]
    entry = pool_of(pod1).first() or build_ready_schema(pod=pod1)  # the refill's, when the first test ran
    folder = tmp_path / "modules"
    folder.mkdir()
    settings.MIGRATION_MODULES = write_probe_migrations(folder, source=probe())
    tenant_migrations_fingerprint.cache_clear()
    current_target.cache_clear()
    try:
        assert not pool_has_ready_schema(pod=pod1)  # built for the migrations before this one
        call_command("migrate_stores", f"--schema={entry.schema_name}", verbosity=0)
        row = SchemaMigrationStatus.objects.get(schema_name=entry.schema_name)
        assert (row.database, row.kind, row.status, row.applied) == (pod1.database_alias, "pool", "done", 1)
        entry.refresh_from_db()
        assert entry.migrations_fingerprint == tenant_migrations_fingerprint() and pool_has_ready_schema(pod=pod1)
        with connections[pod1.database_alias].cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = 'catalog_product'"
                " AND column_name = 'fleet_probe'",
                [entry.schema_name],
            )
            assert cursor.fetchone() == (1,)
    finally:
        SchemaMigrationStatus.objects.filter(schema_name=entry.schema_name).delete()
        tenant_migrations_fingerprint.cache_clear()
        current_target.cache_clear()
