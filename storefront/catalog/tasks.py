"""Background work on a store's catalog; each task runs in the schema of the store that enqueued it."""

import io
import logging

from celery import Task, shared_task
from django.core.files.base import ContentFile
from PIL import Image

from platform.kit.queueing import retry_later
from storefront.page_cache import invalidate_store_pages

from .models import ProductImage

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (400, 400)


@shared_task(name="catalog.make_image_thumbnail", bind=True)
def make_image_thumbnail(self: Task, image_id: int) -> str | None:
    """Write a JPEG thumbnail of a product picture; safe to run twice. Returns the thumbnail's name."""
    product_image = ProductImage.objects.select_related("product").filter(pk=image_id).first()
    if product_image is None or not product_image.image:
        logger.info("product image %s is gone; no thumbnail to make", image_id)
        return None
    try:
        with product_image.image.open("rb") as source, Image.open(source) as image:
            image.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=85)
    except FileNotFoundError as error:
        # The file can lag behind the row on shared storage; try again a little later.
        raise retry_later(self, error) from error
    except (OSError, ValueError, Image.DecompressionBombError):
        # Uploads are checked before they are stored, so this is a damaged file: retrying would not help.
        logger.exception("cannot thumbnail product image %s", image_id)
        return None
    if product_image.thumbnail:
        product_image.thumbnail.delete(save=False)
    product_image.thumbnail.save(f"{product_image.product.slug[:80]}.jpg", ContentFile(buffer.getvalue()), save=False)
    ProductImage.objects.filter(pk=product_image.pk).update(thumbnail=product_image.thumbnail.name)
    invalidate_store_pages()  # cached pages still point at the full-size picture
    return product_image.thumbnail.name


@shared_task(name="catalog.run_catalog_import", acks_late=True)
def run_catalog_import(import_id: int) -> str | None:
    """Apply a CatalogImport's rows; a rerun after a crash starts over and updates the same SKUs again."""
    from .csv_jobs import run_import

    catalog_import = run_import(import_id=import_id)
    return catalog_import.status if catalog_import else None


@shared_task(name="catalog.run_catalog_export", acks_late=True)
def run_catalog_export(export_id: int) -> str | None:
    """Write a CatalogExport's CSV; safe to run twice (a finished export is left alone)."""
    from .csv_jobs import run_export

    catalog_export = run_export(export_id=export_id)
    return catalog_export.status if catalog_export else None
