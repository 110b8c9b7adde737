"""When a store's work spans the platform and a pod and one side fails: a sign-up or a purge leaves nothing
half-written, and a move or a schema restore with the task broker down reports it and loses nothing
(docs/scaling.md, "What is not atomic across pods")."""

import logging
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connections

from platform.accounts.models import User
from platform.accounts.services import open_store_for
from platform.directory.models import DirectoryStore, Listing
from platform.kit.queueing import enqueue_for_store
from platform.unsent_tasks.models import UnsentTask
from platform.unsent_tasks.services import resend_unsent
from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from storefront.themes import services as theme_services
from tenants import services as tenant_services
from tenants.archives.services import purge_closed_store
from tenants.models import AdminAction, Membership, Pod, ProvisioningJob, ReadySchema, Store, StoreDomain
from tenants.pods.routing import store_context
from tenants.schema_pool import build_ready_schema, pool_of
from tenants.selectors import suggest_store_slug
from tenants.services import ProvisioningError, provision_store
from tenants.tasks import run_provisioning_job
from tests.conftest import host_of, make_user, wait_for_worker_to_catch_up
from tests.faults import broker_unreachable
from tests.pods import pod_schemas
from tests.support import wait_until

# Three pod servers and stores made on them: seconds each (tests/pods.py).
pytestmark = [pytest.mark.pods, pytest.mark.slow]


def nothing_of(slug: str) -> bool:
    """No row of a store called ``slug`` anywhere on the platform: store, domain, directory card."""
    return not (
        Store.objects.filter(slug=slug).exists()
        or StoreDomain.objects.filter(domain__startswith=f"{slug}.").exists()
        or DirectoryStore.objects.filter(slug=slug).exists()
    )


def failing(message: str):
    """A stand-in for one step of a service that fails as a lost database would."""

    def fail(*args, **kwargs):
        raise DatabaseError(message)

    return fail


def test_a_subdomain_whose_schema_is_left_on_a_pod_is_taken_at_once_and_a_queued_signup_for_it_fails_whole(
    open_pods, pod_stores, celery_worker, committed
):
    pod1, pod2, pod3 = open_pods
    # What a provisioning whose platform commit failed leaves behind (docs/scaling.md): a schema on the pod that no
    # store row names. The subdomain stays taken (the name is held on that server), and the sign-up says so at once
    # instead of queueing a store that can only fail; nothing adopts or drops the leftover.
    with connections[pod1.database_alias].cursor() as cursor:
        cursor.execute('CREATE SCHEMA "store_pod_orphan"; CREATE TABLE "store_pod_orphan".kept (id int)')
    owner = make_user("orphan-owner@mercato.test")
    Pod.objects.filter(pk__in=[pod2.pk, pod3.pk]).update(is_open=False)  # placed on pod1, whose pool is empty
    try:
        with pytest.raises(ValidationError) as refused:
            open_store_for(user=owner, store_name="Pod Orphan", slug="pod-orphan")
        assert refused.value.message_dict == {"slug": ['The subdomain "pod-orphan" is already taken.']}
        assert not ProvisioningJob.objects.filter(user=owner).exists()
        assert suggest_store_slug("Pod Orphan") == "pod-orphan-2"

        # A sign-up queued while the name was still free (the leftover appeared before the worker ran) fails in
        # the worker, whole, with the same reason.
        job = ProvisioningJob.objects.create(user=owner, name="Pod Orphan", slug="pod-orphan")
        enqueue_for_store(run_provisioning_job, schema_name=settings.PUBLIC_SCHEMA_NAME, args=(str(job.pk),))
        failed = wait_until(
            lambda: ProvisioningJob.objects.filter(pk=job.pk, status=ProvisioningJob.Status.FAILED).first(),
            what="the worker to give up the sign-up on pod1",
        )
        assert failed.error == 'The subdomain "pod-orphan" is already taken.'
        assert failed.store is None
        assert nothing_of("pod-orphan") and not Membership.objects.filter(user=owner).exists()
        # The leftover schema is as it was, and nothing else was made on any pod or on the platform.
        with connections[pod1.database_alias].cursor() as cursor:
            cursor.execute('SELECT count(*) FROM "store_pod_orphan".kept')
        assert pod_schemas(pod1.database_alias) == {"store_pod_orphan", pod_stores[0].schema_name}
        assert not ReadySchema.objects.filter(pod=pod1).exists()
    finally:
        Pod.objects.filter(pk__in=[pod2.pk, pod3.pk]).update(is_open=True)
        with connections[pod1.database_alias].cursor() as cursor:
            cursor.execute('DROP SCHEMA IF EXISTS "store_pod_orphan" CASCADE')
        ProvisioningJob.objects.filter(user=owner).delete()
        User.objects.filter(pk=owner.pk).delete()


def test_provisioning_on_a_pod_leaves_nothing_when_its_pod_or_its_platform_step_fails(
    open_pods, pod_stores, monkeypatch, committed
):
    _, pod2, _ = open_pods
    ready = build_ready_schema(pod=pod2)
    schemas_before = pod_schemas(pod2.database_alias)

    # The platform's step (the directory card, after the store's rows), then the pod's (the default content).
    for module, step in ((tenant_services, "_sync_directory"), (theme_services, "install_default_content")):
        with monkeypatch.context() as patch:
            patch.setattr(module, step, failing("the step failed (simulated)"))
            with pytest.raises(ProvisioningError, match="Nothing was saved"):
                provision_store(name="Pod Half", slug="pod-half", pod=pod2)
        assert nothing_of("pod-half"), step
        # The claim was undone on both servers: the ready schema is back in pod2's pool, under its own name.
        assert list(pool_of(pod2).values_list("schema_name", flat=True)) == [ready.schema_name], step
        with connections[pod2.database_alias].cursor() as cursor:
            cursor.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname IN (%s, 'store_pod_half')", [ready.schema_name]
            )
            assert cursor.fetchall() == [(ready.schema_name,)], step
        assert pod_schemas(pod2.database_alias) == schemas_before, step

    # Nothing broken: the same sign-up then claims that schema and is a working store on pod2.
    store = provision_store(name="Pod Half", slug="pod-half", pod=pod2)
    assert store.pod == pod2 and store.schema_name in pod_schemas(pod2.database_alias)
    assert not pool_of(pod2).exists() and DirectoryStore.objects.filter(slug="pod-half").exists()


def test_a_purge_on_a_pod_changes_nothing_when_the_platform_step_fails_and_never_leaves_a_store_without_its_schema(
    open_pods, pod_stores, monkeypatch, caplog, committed
):
    _, two, _ = pod_stores
    pod2, store_id = open_pods[1], two.pk
    Store.objects.filter(pk=two.pk).update(status=Store.Status.CLOSED)
    two.refresh_from_db()

    # The platform's step fails (the directory's rows): nothing is purged, not even the audit row is written.
    with monkeypatch.context() as patch:
        patch.setattr(tenant_services, "_remove_from_directory", failing("the directory's delete failed (simulated)"))
        with pytest.raises(DatabaseError, match="simulated"):
            purge_closed_store(store=two, actor=None, confirmation=two.slug)
    assert not AdminAction.objects.filter(kind=AdminAction.Kind.PURGE, store_id=two.pk).exists()
    assert Store.objects.filter(pk=two.pk, status=Store.Status.CLOSED).exists()
    assert StoreDomain.objects.filter(tenant_id=two.pk).exists()
    assert two.schema_name in pod_schemas(pod2.database_alias)
    with store_context(two):
        assert list(Product.objects.values_list("title", flat=True)) == ["Pod two lantern"]

    # The pod's step fails (the drop, after the platform committed): the store is gone whole from the platform,
    # and its schema is left on the pod, logged, never a store row without its schema.
    with monkeypatch.context() as patch, caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        patch.setattr(tenant_services, "_drop_schema_on_pod", failing("the pod went away (simulated)"))
        purge_closed_store(store=two, actor=None, confirmation=two.slug)
    try:
        assert nothing_of("pod-two")
        assert AdminAction.objects.filter(kind=AdminAction.Kind.PURGE, store_id=store_id).count() == 1
        assert two.schema_name in pod_schemas(pod2.database_alias)
        assert "the pod went away (simulated)" in caplog.text
    finally:
        with connections[pod2.database_alias].cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{two.schema_name}" CASCADE')


def test_pods_restore_with_the_broker_down_keeps_the_directory_rewrite_until_it_is_back(
    pod_stores, open_pods, celery_worker, tmp_path, capsys, committed
):
    _, _, three = pod_stores
    pod3 = open_pods[2]
    call_command("pods", "backup", "--pod", "pod3", "--to", str(tmp_path))
    capsys.readouterr()
    # A product made after the dump, listed by the worker, then the schema lost.
    with store_context(three):
        newer = create_product(title="Pod three newer kettle", price=Decimal("18.00"))
    wait_until(
        lambda: Listing.objects.filter(store_id=three.pk, product_id=newer.pk).exists(),
        what="the worker to list the product made after the dump",
    )
    with connections[pod3.database_alias].cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{three.schema_name}" CASCADE')
    kept_before = UnsentTask.objects.count()

    with broker_unreachable():
        call_command("pods", "restore", "pod-three", "--from", str(tmp_path / "pod3.dump"))
    output = capsys.readouterr().out
    assert f"store pod-three: schema {three.schema_name} restored from {tmp_path / 'pod3.dump'}" in output
    assert "the task broker is unreachable" in output and "once it is back" in output
    # The schema is back on pod3 as dumped; the directory rewrite it asked for is kept, not lost.
    with store_context(three):
        assert list(Product.objects.values_list("title", flat=True)) == ["Pod three lantern"]
    kept = UnsentTask.objects.filter(task="archive.resync_directory", schema_name=three.schema_name)
    assert kept.count() == 1 and UnsentTask.objects.count() == kept_before + 1
    wait_for_worker_to_catch_up(celery_worker)
    assert Listing.objects.filter(store_id=three.pk, product_id=newer.pk).exists()  # stale until the rewrite runs

    # The broker is back: the beat's resend sends it, and the worker rewrites the listings on pod3's store.
    assert resend_unsent() >= 1
    wait_until(
        lambda: not Listing.objects.filter(store_id=three.pk, product_id=newer.pk).exists(),
        what="the worker's directory rewrite to drop the product the dump doesn't have",
    )
    assert Listing.objects.filter(store_id=three.pk, title="Pod three lantern").exists()
    assert not UnsentTask.objects.filter(schema_name=three.schema_name).exists()


def test_pods_move_with_the_broker_down_moves_the_store_whole_and_its_tasks_then_follow_it(
    client, pod_stores, open_pods, celery_worker, capsys, committed
):
    one, _, three = pod_stores
    pod1 = open_pods[0]
    three = Store.objects.get(pk=three.pk)
    source = three.pod
    with store_context(three):
        before = list(Product.objects.order_by("pk").values_list("pk", "title", "price"))
    kept_before = UnsentTask.objects.count()

    with broker_unreachable():
        call_command("pods", "move", "pod-three", "pod1")
    output = capsys.readouterr().out
    assert f"moved pod-three from {source.name} to pod1" in output and "counts checked" in output
    moved = Store.objects.get(pk=three.pk)
    assert (moved.pod, moved.moving_since) == (pod1, None)
    assert three.schema_name in pod_schemas(pod1.database_alias)
    assert three.schema_name not in pod_schemas(source.database_alias)
    with store_context(moved):
        assert list(Product.objects.order_by("pk").values_list("pk", "title", "price")) == before
    # A move sends no task: nothing was waiting on the broker, so nothing is kept or lost.
    assert UnsentTask.objects.count() == kept_before
    page = client.get("/products/", HTTP_HOST=host_of(moved))
    assert page.status_code == 200 and "Pod three lantern" in page.content.decode()
    assert client.post("/cart/add/", {"variant": 999999, "quantity": 1}, HTTP_HOST=host_of(moved)).status_code != 503

    # With the broker back, the store's next change reaches the directory through the worker, from pod1 now.
    with store_context(moved):
        after = create_product(title="Pod three compass after the move", price=Decimal("9.00"))
    wait_until(
        lambda: Listing.objects.filter(store_id=three.pk, product_id=after.pk).exists(),
        what="the worker to drain the moved store's outbox on pod1",
    )
    # pod-one, beside it on pod1 now, sees none of it.
    with store_context(one):
        assert not Product.objects.filter(title__startswith="Pod three").exists()
