"""A store's work on its pod: payment through the webhook, the directory feed through the worker, an archive
round trip between pods, purge, and a fleet migration of every pod."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from billing.models import StripeEvent
from billing.webhooks import process_event
from platform.directory.models import Listing
from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from storefront.orders.models import Order
from tenants.archives import services as archives
from tenants.fleet.models import SchemaMigrationStatus
from tenants.fleet.selectors import current_target
from tenants.models import Store, StoreArchive
from tenants.pods.routing import store_context
from tenants.pods.services import set_pod_open
from tenants.schema_pool import tenant_migrations_fingerprint
from tests.pods import pod_schemas
from tests.storefront.checkout.support import add, buy, make_shipping, make_variant, pay_on_stripe
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import wait_until
from tests.tenants.test_fleet import has_probe_column, probe, stamps
from tools.probe_migration import write_probe_migrations

# Three pod servers and stores made on them: seconds each (tests/pods.py).
pytestmark = [pytest.mark.pods, pytest.mark.slow]


def test_a_checkout_on_a_pod_store_is_paid_through_the_platforms_webhook(
    client, pod_stores, platform_store, sandbox_server, webhook_receiver
):
    _, two, _ = pod_stores
    with store_context(two):
        tent = make_variant("Pod tent", "99.00", stock=3)
        _, flat = make_shipping(tax="10")
    add(client, two, tent, 1)
    bought = buy(client, two, flat)
    assert bought.status_code == 302
    with store_context(two):
        order = Order.objects.get()
    assert pay_on_stripe(bought["Location"]).status_code == 303
    sandbox_server.drain()
    completed = [
        item for item in webhook_receiver.received
        if item.path == WEBHOOK_PATH and item.event["type"] == "checkout.session.completed"
        and item.event["data"]["object"]["id"] == order.stripe_session_id
    ]  # fmt: skip
    assert len(completed) == 1
    assert completed[0].event["data"]["object"]["metadata"]["mercato_schema"] == two.schema_name
    response = client.post(
        "/billing/stripe/webhook/", data=completed[0].body, content_type="application/json",
        HTTP_HOST=settings.BASE_DOMAIN, HTTP_STRIPE_SIGNATURE=completed[0].headers["Stripe-Signature"],
    )  # fmt: skip
    assert response.status_code == 200, response.content
    process_event(event_pk=StripeEvent.objects.get(event_id=completed[0].event["id"]).pk)
    with store_context(two):
        order.refresh_from_db()
        tent.refresh_from_db()
        assert (order.status, order.stock_state, tent.stock) == ("paid", "committed", 2)
    # The same session id names nothing in the platform database's store.
    with store_context(platform_store):
        assert not Order.objects.filter(stripe_session_id=order.stripe_session_id).exists()
    StripeEvent.objects.filter(event_id=completed[0].event["id"]).delete()


def test_a_pod_stores_catalog_change_reaches_the_directory_through_the_worker(pod_stores, celery_worker, committed):
    _, _, three = pod_stores
    with store_context(three):
        product = create_product(title="Pod three compass", price=Decimal("45.00"))
    try:
        listing = wait_until(
            lambda: Listing.objects.filter(store_id=three.pk, product_id=product.pk).first(),
            what="the worker to drain the pod store's outbox into the directory",
        )
        assert (listing.title, listing.store_slug, listing.price) == ("Pod three compass", "pod-three", Decimal("45"))
        # The outbox row was drained on the pod.
        with store_context(three):
            from storefront.directory_feed.models import ProductChange

            wait_until(lambda: not ProductChange.objects.exists(), what="the pod store's outbox to be empty")
    finally:
        with store_context(three):
            Product.objects.filter(pk=product.pk).delete()
        Listing.objects.filter(store_id=three.pk, product_id=product.pk).delete()


@pytest.fixture
def archive_root(settings, tmp_path) -> Path:
    settings.STORE_ARCHIVE_ROOT = tmp_path / "archives"
    return settings.STORE_ARCHIVE_ROOT


def test_an_export_from_one_pod_imports_onto_another_and_is_purged_from_it(
    pod_stores, open_pods, archive_root, committed
):
    one, _, _ = pod_stores
    export = archives.start_export(store=one, actor=None, background=False)
    assert export.status == StoreArchive.Status.DONE, export.error
    path = archives.archive_file(export)
    assert path is not None
    # Every pod holds one store; with pod1 closed the copy goes to pod2, the oldest of the least-loaded.
    set_pod_open(pod=open_pods[0], is_open=False)
    try:
        with path.open("rb") as stream:
            imported = archives.start_import(
                source=stream, slug="pod-copy", name="Pod Copy", actor=None, background=False
            )
    finally:
        set_pod_open(pod=open_pods[0], is_open=True)
    assert imported.status == StoreArchive.Status.DONE, imported.error
    copy = Store.objects.get(slug="pod-copy")
    try:
        assert copy.pod.name == "pod2" and copy.schema_name in pod_schemas(copy.pod.database_alias)
        with store_context(one):
            before = list(Product.objects.order_by("pk").values_list("pk", "title", "price"))
        with store_context(copy):
            assert list(Product.objects.order_by("pk").values_list("pk", "title", "price")) == before

        Store.objects.filter(pk=copy.pk).update(status=Store.Status.CLOSED)
        copy.refresh_from_db()
        archives.purge_closed_store(store=copy, actor=None, confirmation=copy.slug)
        assert not Store.objects.filter(slug="pod-copy").exists()
        assert "store_pod_copy" not in pod_schemas(open_pods[1].database_alias)
        # The store it was exported from is untouched, on its own pod.
        assert one.schema_name in pod_schemas(open_pods[0].database_alias)
    finally:
        StoreArchive.objects.filter(store_slug__in=["pod-one", "pod-copy"]).delete()
        shutil.rmtree(Path(settings.MEDIA_ROOT) / "store_pod_copy", ignore_errors=True)
        leftover = Store.objects.filter(slug="pod-copy").first()
        if leftover is not None:
            from tenants.services import purge_store

            purge_store(store=leftover)


def test_migrate_stores_migrates_every_pod_and_marks_each_store_after_its_commit(
    pod_stores, open_pods, settings, tmp_path, committed
):
    folder = tmp_path / "modules"
    folder.mkdir()
    settings.MIGRATION_MODULES = write_probe_migrations(folder, source=probe())
    tenant_migrations_fingerprint.cache_clear()
    current_target.cache_clear()
    schemas = [store.schema_name for store in pod_stores]
    try:
        call_command("migrate_stores", *[f"--schema={schema}" for schema in schemas], verbosity=0)
        for store in pod_stores:
            with store_context(store):
                # Every product of the store, the one the checkout test sold too, stamped in its own schema.
                assert has_probe_column(store) and set(stamps(store)) == {store.schema_name}
        rows = SchemaMigrationStatus.objects.filter(schema_name__in=schemas)
        assert {(row.database, row.schema_name, row.status, row.applied) for row in rows} == {
            (store.pod.database_alias, store.schema_name, "done", 1) for store in pod_stores
        }
        # A second run finds every pod's stores current.
        call_command("migrate_stores", *[f"--schema={schema}" for schema in schemas], verbosity=0)
        assert set(SchemaMigrationStatus.objects.filter(schema_name__in=schemas).values_list("status", flat=True)) == {
            "done"
        }
    finally:
        SchemaMigrationStatus.objects.filter(schema_name__in=schemas).delete()
        tenant_migrations_fingerprint.cache_clear()
        current_target.cache_clear()
