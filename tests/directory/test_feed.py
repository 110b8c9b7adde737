"""The feed on a real worker: changes reach the directory in seconds, and none is lost when Redis is down."""

import time
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
from tests.conftest import STORE_A, free_port


def _wait_for(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout} s")


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
    _wait_for(lambda: _listed(store, product.pk))
    with schema_context(store.schema_name):
        update_product(product=product, status=Product.Status.DRAFT)
    _wait_for(lambda: not Listing.objects.filter(store_id=store.pk, product_id=product.pk).exists())


def test_a_change_made_while_the_broker_is_unreachable_arrives_with_the_next_dispatch(store, celery_worker):
    with broker_unreachable(), schema_context(store.schema_name):
        product = create_product(title="Feedtest Pewter Jug", price="44.00")  # commits; the drain can't be sent
    with schema_context(store.schema_name):
        assert ProductChange.objects.filter(product_id=product.pk).exists()
    time.sleep(1)
    assert not _listed(store, product.pk)  # nothing was sent, so nothing was drained
    dispatch_outbox_drains.delay()  # what the beat does every 30 seconds
    _wait_for(lambda: _listed(store, product.pk))
    with schema_context(store.schema_name):
        assert not ProductChange.objects.filter(product_id=product.pk).exists()
