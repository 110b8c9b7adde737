"""The feed on a real worker: changes reach the directory in seconds, and none is lost when Redis is down."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django_tenants.utils import schema_context

from platform.celery import app
from platform.directory.models import Listing
from platform.directory.tasks import dispatch_outbox_drains
from storefront.catalog.models import Product
from storefront.catalog.services import create_product, delete_product, update_product
from storefront.directory_feed.models import ProductChange
from tenants.models import Store
from tests.conftest import STORE_A, free_port, wait_for_worker_to_catch_up
from tests.support import wait_until


def _listed(store: Store, product_id: int) -> bool:
    return Listing.objects.filter(store_id=store.pk, product_id=product_id, visible=True).exists()


@pytest.fixture
def store(committed) -> Iterator[Store]:
    store = Store.objects.get(slug=STORE_A["slug"])
    yield store
    with schema_context(store.schema_name):
        for product in Product.objects.filter(title__startswith="Feedtest"):
            delete_product(product=product)
        ProductChange.objects.all().delete()
    Listing.objects.filter(store_id=store.pk, title__startswith="Feedtest").delete()


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """Point this process's publishing at a closed port, as if Redis were down; the worker is unaffected."""
    # MonkeyPatch puts back the raw setting (unset), not the URL it resolved to, so later tests that change
    # broker_url still take effect.
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.conf, "broker_write_url", f"redis://127.0.0.1:{free_port()}/0")
        patch.setattr(app, "_pool", None)
        patch.setattr(app.amqp, "_producer_pool", None)
        yield
    app._pool, app.amqp._producer_pool = None, None


def test_a_change_reaches_the_directory_through_the_worker_within_seconds(store, celery_worker):
    with schema_context(store.schema_name):
        product = create_product(title="Feedtest Copper Ladle", price="18.00")
    wait_until(lambda: _listed(store, product.pk), what="the new product in the directory")
    with schema_context(store.schema_name):
        update_product(product=product, status=Product.Status.DRAFT)
    wait_until(
        lambda: not Listing.objects.filter(store_id=store.pk, product_id=product.pk).exists(),
        what="the drafted product to leave the directory",
    )


def test_a_change_made_while_the_broker_is_unreachable_arrives_with_the_next_dispatch(store, celery_worker):
    with broker_unreachable(), schema_context(store.schema_name):
        product = create_product(title="Feedtest Pewter Jug", price="44.00")  # commits; the drain can't be sent
    with schema_context(store.schema_name):
        assert ProductChange.objects.filter(product_id=product.pk).exists()
    wait_for_worker_to_catch_up(celery_worker)  # had a drain been sent, the worker would have run it by now
    assert not _listed(store, product.pk)  # nothing was sent, so nothing was drained
    dispatch_outbox_drains.delay()  # what the beat does every 30 seconds
    wait_until(lambda: _listed(store, product.pk), what="the product in the directory after the dispatch")
    with schema_context(store.schema_name):
        assert not ProductChange.objects.filter(product_id=product.pk).exists()
