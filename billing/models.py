"""Subscription plans a seller can choose; subscriptions and Stripe events join them later."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Plan(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, default="USD")
    max_products = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means unlimited.")
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["monthly_price"]

    def __str__(self) -> str:
        return f"{self.name} ({self.monthly_price} {self.currency}/month)"
