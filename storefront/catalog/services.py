"""Changes to a store's catalog; callers run them in that store's schema."""

from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils.text import slugify

from platform.celery import enqueue_for_store

from .models import Product


@transaction.atomic
def create_product(
    *,
    title: str,
    price: Decimal,
    description: str = "",
    status: str = Product.Status.ACTIVE,
    image_name: str | None = None,
    image_bytes: bytes | None = None,
) -> Product:
    """Create a product in the current store; a thumbnail is made in the background once it commits."""
    product = Product(title=title, slug=_unique_slug(title), price=price, description=description, status=status)
    product.full_clean(exclude=["image", "thumbnail"])
    if image_bytes is not None:
        product.image.save(image_name or f"{product.slug}.png", ContentFile(image_bytes), save=False)
    product.save()
    if product.image:
        from .tasks import make_product_thumbnail

        enqueue_for_store(make_product_thumbnail, schema_name=connection.schema_name, args=(product.pk,))
    return product


def _unique_slug(title: str) -> str:
    base = slugify(title)[:180] or "product"
    slug, suffix = base, 2
    while Product.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug
