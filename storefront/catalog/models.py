"""Products of one store; every row lives in that store's schema."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    image = models.ImageField(upload_to="products/", blank=True)
    # Made from `image` by catalog.tasks.make_product_thumbnail, after the upload commits.
    thumbnail = models.ImageField(upload_to="products/thumbnails/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="catalog_product_price_gte_0")]
        indexes = [models.Index(fields=["status", "title"])]

    def __str__(self) -> str:
        return self.title
