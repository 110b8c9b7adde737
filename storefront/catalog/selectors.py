"""Reads of a store's catalog (run in the current store's schema)."""

from django.db.models import QuerySet

from .models import Product


def products_for_sale() -> QuerySet[Product]:
    return Product.objects.filter(status=Product.Status.ACTIVE).order_by("title")
