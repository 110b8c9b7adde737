"""Background work on a store's catalog; each task runs in the schema of the store that enqueued it."""

import io
import logging

from celery import shared_task
from django.core.files.base import ContentFile
from PIL import Image

from .models import Product

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (400, 400)


@shared_task(name="catalog.make_product_thumbnail", bind=True, max_retries=3, default_retry_delay=10)
def make_product_thumbnail(self, product_id: int) -> str | None:  # type: ignore[no-untyped-def]
    """Write a JPEG thumbnail of the product's image; safe to run twice. Returns the thumbnail's name."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None or not product.image:
        logger.info("product %s has no image to thumbnail", product_id)
        return None
    with product.image.open("rb") as source:
        image = Image.open(source)
        image.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=85)
    if product.thumbnail:
        product.thumbnail.delete(save=False)
    product.thumbnail.save(f"{product.slug}.jpg", ContentFile(buffer.getvalue()), save=False)
    Product.objects.filter(pk=product.pk).update(thumbnail=product.thumbnail.name)
    return product.thumbnail.name
