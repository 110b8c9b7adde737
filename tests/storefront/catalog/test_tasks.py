"""A task enqueued for one store runs in that store's schema, on a real worker over real Redis."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from PIL import Image

from storefront.catalog.models import ProductImage
from storefront.catalog.services import add_product_image, create_product
from storefront.demo import product_picture
from tests.support import wait_until


def _wait_for_thumbnail(schema_name: str, image_id: int) -> str:
    def thumbnail() -> str:
        with schema_context(schema_name):
            return ProductImage.objects.values_list("thumbnail", flat=True).get(pk=image_id)

    return wait_until(thumbnail, interval=0.2, what=f"a thumbnail for image {image_id} in {schema_name}")


def test_thumbnail_task_runs_in_the_schema_of_the_store_that_enqueued_it(clean_stores, celery_worker):
    store_a, store_b = clean_stores
    with schema_context(store_a.schema_name):
        product_a = create_product(
            title="Alpha Canvas Print", price="30.00", image_bytes=product_picture("Alpha Canvas Print")
        )
        image_a = product_a.images.get()
    # Store B gets an image row with the very same id (and its own picture); it must not be touched.
    with schema_context(store_b.schema_name):
        product_b = create_product(title="Beta Twin", price="1.00")
        ProductImage.objects.filter(pk=image_a.pk).delete()
        image_b = ProductImage(id=image_a.pk, product=product_b, width=800, height=800)
        image_b.image.save("twin.png", ContentFile(product_picture("Beta Twin")), save=False)
        image_b.save()
    thumbnail = _wait_for_thumbnail(store_a.schema_name, image_a.pk)
    with schema_context(store_a.schema_name):
        assert default_storage.exists(thumbnail)
        with default_storage.open(thumbnail) as file:
            image = Image.open(file)
            assert image.format == "JPEG" and max(image.size) == 400
        # The storefront reads the first picture's files through Product.image/thumbnail.
        product_a.refresh_from_db()
        assert product_a.thumbnail.name == thumbnail
        assert product_a.image.name == image_a.image.name
    with schema_context(store_b.schema_name):
        assert ProductImage.objects.get(pk=image_a.pk).thumbnail == ""


def test_a_second_picture_gets_its_own_thumbnail_and_the_first_stays_the_cover(clean_stores, celery_worker):
    store_a, _ = clean_stores
    with schema_context(store_a.schema_name):
        product = create_product(title="Alpha Two Views", price="5.00", image_bytes=product_picture("front"))
        second = add_product_image(product=product, file=ContentFile(product_picture("back"), name="back.png"))
    _wait_for_thumbnail(store_a.schema_name, second.pk)
    with schema_context(store_a.schema_name):
        first = product.images.order_by("position").first()
        assert [image.pk for image in product.images.all()] == [first.pk, second.pk]
        assert product.cover == first
