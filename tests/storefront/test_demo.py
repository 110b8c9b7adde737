"""The demo seed: three stores with pictured products, and running it again repairs rather than duplicates."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from storefront.catalog.models import Product
from storefront.demo import seed_demo_stores
from storefront.demo_catalog import DEMO_STORES

pytestmark = pytest.mark.slow  # seeding builds three stores' schemas and draws their pictures: seconds


def _picture_files(store) -> list[Path]:
    with schema_context(store.schema_name):
        return [Path(image.image.path) for product in Product.objects.all() for image in product.images.all()]


def test_seeding_twice_adds_nothing_and_redraws_pictures_whose_files_are_gone(db):
    stores = seed_demo_stores(log=lambda *args: None)
    try:
        assert [store.slug for store in stores] == [demo.slug for demo in DEMO_STORES]
        first = stores[0]
        files = _picture_files(first)
        with schema_context(first.schema_name):
            assert len(files) == Product.objects.count() == len(DEMO_STORES[0].products)
        assert all(path.is_file() for path in files)

        shutil.rmtree(Path(settings.MEDIA_ROOT) / first.schema_name)  # a fresh checkout against the same database
        again = seed_demo_stores(log=lambda *args: None)
        assert [store.pk for store in again] == [store.pk for store in stores]
        redrawn = _picture_files(first)
        with schema_context(first.schema_name):
            assert Product.objects.count() == len(DEMO_STORES[0].products)  # nothing duplicated
        assert len(redrawn) == len(files) and all(path.is_file() for path in redrawn)
    finally:
        for store in stores:
            shutil.rmtree(Path(settings.MEDIA_ROOT) / store.schema_name, ignore_errors=True)
