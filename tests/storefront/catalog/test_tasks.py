"""A task enqueued for one store runs in that store's schema, on a real worker over real Redis."""

import time
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from PIL import Image

from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from storefront.demo import product_picture
from tenants.models import Store
from tests.conftest import STORE_A, STORE_B


def _wait_for_thumbnail(schema_name: str, product_id: int, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context(schema_name):
            thumbnail = Product.objects.values_list("thumbnail", flat=True).get(pk=product_id)
        if thumbnail:
            return thumbnail
        time.sleep(0.2)
    raise AssertionError(f"no thumbnail for product {product_id} in {schema_name} after {timeout} s")


def test_thumbnail_task_runs_in_the_schema_of_the_store_that_enqueued_it(committed, celery_worker):
    store_a = Store.objects.get(slug=STORE_A["slug"])
    store_b = Store.objects.get(slug=STORE_B["slug"])
    with schema_context(store_a.schema_name):
        product_a = create_product(
            title="Alpha Canvas Print",
            price=Decimal("30.00"),
            image_bytes=product_picture("Alpha Canvas Print"),
        )
    # Store B gets a product with the very same id and an image; it must not be touched.
    with schema_context(store_b.schema_name):
        product_b = Product(id=product_a.pk, title="Beta Twin", slug="beta-twin", price=Decimal("1.00"))
        product_b.image.save("twin.png", ContentFile(product_picture("Beta Twin")), save=False)
        product_b.save()
    try:
        thumbnail = _wait_for_thumbnail(store_a.schema_name, product_a.pk)
        with schema_context(store_a.schema_name):
            assert default_storage.exists(thumbnail)
            with default_storage.open(thumbnail) as file:
                image = Image.open(file)
                assert image.format == "JPEG" and max(image.size) == 400
        with schema_context(store_b.schema_name):
            assert Product.objects.get(pk=product_a.pk).thumbnail == ""
    finally:
        for store, product_id in ((store_a, product_a.pk), (store_b, product_b.pk)):
            with schema_context(store.schema_name):
                product = Product.objects.get(pk=product_id)
                for field in (product.image, product.thumbnail):
                    if field:
                        field.delete(save=False)
                product.delete()
