"""The directory lists a product at its promoted price while a store's promotion runs: told when the promotion is
saved or ended, and by the per-store sweep when a scheduled start or end passes; no store's sweep touches another's."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from platform.directory.models import Listing
from storefront.catalog.models import Product
from storefront.catalog.services import create_product, delete_product
from storefront.directory_feed.models import ProductChange
from storefront.promotions.models import PriceBoundaryMark, Promotion
from storefront.promotions.services import end_promotion, record_price_boundaries, save_promotion
from storefront.promotions.tasks import dispatch_price_boundaries
from tenants.models import Store
from tests.conftest import STORE_A
from tests.support import wait_until

from .conftest import drain


def _listing(store, product) -> tuple:
    listing = Listing.objects.get(store_id=store.pk, product_id=product.pk)
    return listing.price, listing.list_price, listing.promotion_name


def _promote(product, name: str, kind: str, value: str, *, starts_at, ends_at) -> Promotion:
    return save_promotion(
        promotion=None, name=name, kind=kind, value=value, target="products", product_ids=[product.pk],
        starts_at=starts_at, ends_at=ends_at,
    )  # fmt: skip


def test_saving_and_ending_a_running_promotion_relists_its_products(store_a, in_store):
    now = timezone.now()
    with in_store(store_a):
        kettle = create_product(title="Promo Kettle", price=Decimal("50.00"))
    drain(store_a)
    assert _listing(store_a, kettle) == (Decimal("50.00"), None, "")

    with in_store(store_a):
        sale = _promote(kettle, "Kettle week", "percentage", "20", starts_at=now - timedelta(hours=1),
                        ends_at=now + timedelta(days=1))  # fmt: skip
    assert drain(store_a) == 1
    assert _listing(store_a, kettle) == (Decimal("40.00"), Decimal("50.00"), "Kettle week")

    with in_store(store_a):
        end_promotion(promotion=sale)
    assert drain(store_a) == 1
    assert _listing(store_a, kettle) == (Decimal("50.00"), None, "")


def test_the_sweep_tells_the_directory_of_a_scheduled_start_and_end(store_a, in_store):
    with in_store(store_a):
        tray = create_product(title="Promo Tray", price=Decimal("30.00"))
        now = timezone.now()
        record_price_boundaries(now=now - timedelta(minutes=1))  # the sweep that ran a minute ago
        sale = _promote(tray, "Tray Tuesday", "fixed", "5.00", starts_at=now + timedelta(hours=1),
                        ends_at=now + timedelta(hours=2))  # fmt: skip
    drain(store_a)
    assert _listing(store_a, tray) == (Decimal("30.00"), None, "")  # scheduled, not running yet

    # The start passes: nothing writes a row at that moment (the window is moved here to stand for the clock).
    with in_store(store_a):
        Promotion.objects.filter(pk=sale.pk).update(starts_at=timezone.now() - timedelta(seconds=10))
    assert drain(store_a) == 0
    assert _listing(store_a, tray) == (Decimal("30.00"), None, "")  # the directory has not heard yet
    with in_store(store_a):
        assert record_price_boundaries() == 1
        assert record_price_boundaries() == 0  # the window is covered: a second sweep finds nothing new
    assert drain(store_a) == 1
    assert _listing(store_a, tray) == (Decimal("25.00"), Decimal("30.00"), "Tray Tuesday")

    # The end passes the same way (after the last sweep: an end before it would have been that sweep's to see).
    with in_store(store_a):
        Promotion.objects.filter(pk=sale.pk).update(ends_at=timezone.now())
        assert record_price_boundaries() == 1
    assert drain(store_a) == 1
    assert _listing(store_a, tray) == (Decimal("30.00"), None, "")


def test_a_stores_sweep_sees_only_its_own_promotions(store_a, store_b, in_store):
    with in_store(store_b):
        lamp_b = create_product(title="Promo Lamp", price=Decimal("80.00"))
        record_price_boundaries(now=timezone.now() - timedelta(minutes=1))
    drain(store_b)
    with in_store(store_a):
        lamp_a = create_product(title="Promo Lamp", price=Decimal("80.00"))
        record_price_boundaries(now=timezone.now() - timedelta(minutes=1))
        sale = _promote(lamp_a, "Lamp night", "percentage", "50", starts_at=timezone.now() + timedelta(hours=1),
                        ends_at=timezone.now() + timedelta(hours=3))  # fmt: skip
        Promotion.objects.filter(pk=sale.pk).update(starts_at=timezone.now() - timedelta(seconds=10))
    drain(store_a)

    with in_store(store_b):
        assert record_price_boundaries() == 0  # store A's promotion is not in store B's schema
        assert not Promotion.objects.exists() and not ProductChange.objects.exists()
    with in_store(store_a):
        assert record_price_boundaries() == 1
    drain(store_a)
    drain(store_b)

    assert _listing(store_a, lamp_a) == (Decimal("40.00"), Decimal("80.00"), "Lamp night")
    assert _listing(store_b, lamp_b) == (Decimal("80.00"), None, "")
    with schema_context(store_b.schema_name):
        assert PriceBoundaryMark.objects.count() == 1


@pytest.fixture
def committed_store(committed) -> Iterator[Store]:
    store = Store.objects.get(slug=STORE_A["slug"])
    yield store
    with schema_context(store.schema_name):
        Promotion.objects.filter(name="Worker sweep sale").delete()
        for product in Product.objects.filter(title__startswith="Sweeptest"):
            delete_product(product=product)
        ProductChange.objects.all().delete()
        PriceBoundaryMark.objects.all().delete()
    Listing.objects.filter(store_id=store.pk, title__startswith="Sweeptest").delete()


def test_the_beat_dispatch_reaches_each_store_on_the_worker_and_relists_a_started_sale(committed_store, celery_worker):
    store = committed_store
    with schema_context(store.schema_name):
        bowl = create_product(title="Sweeptest Bowl", price=Decimal("16.00"))
        record_price_boundaries(now=timezone.now() - timedelta(minutes=1))
        sale = _promote(bowl, "Worker sweep sale", "percentage", "25", starts_at=timezone.now() + timedelta(hours=1),
                        ends_at=timezone.now() + timedelta(hours=2))  # fmt: skip
    wait_until(lambda: Listing.objects.filter(store_id=store.pk, product_id=bowl.pk).exists(), what="the listing")
    with schema_context(store.schema_name):
        Promotion.objects.filter(pk=sale.pk).update(starts_at=timezone.now() - timedelta(seconds=10))

    dispatch_price_boundaries.delay()  # what the beat sends every minute

    wait_until(
        lambda: _listing(store, bowl) == (Decimal("12.00"), Decimal("16.00"), "Worker sweep sale"),
        what="the sale price in the directory after the sweep",
    )
