"""What a seller sets for checkout: tax mode, shipping zones with their rates and tax, and discount codes."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from storefront.catalog.models import money_field


class CheckoutSettings(models.Model):
    """One row per store (pk 1)."""

    # True: catalog prices already contain tax (the usual EU way); the summary shows the tax they include.
    prices_include_tax = models.BooleanField(default=False)

    def __str__(self) -> str:
        return "checkout settings"


class ShippingZone(models.Model):
    name = models.CharField(max_length=100)
    # ISO 3166-1 alpha-2 codes, upper case.
    countries = ArrayField(models.CharField(max_length=2), default=list)
    # Percent, e.g. 8.250 for 8.25 %; applied to the discounted merchandise subtotal of orders shipped here.
    tax_rate = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100), name="checkout_zone_tax_rate_0_to_100"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ShippingRate(models.Model):
    class Kind(models.TextChoices):
        FLAT = "flat", _("Flat rate")
        WEIGHT = "weight", _("By weight")
        FREE_OVER = "free_over", _("Free above a subtotal")

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FLAT)
    price = money_field(default=Decimal("0"))
    # Weight band [min, max) in grams, for WEIGHT rates; no max means "and above".
    min_weight_grams = models.PositiveIntegerField(default=0)
    max_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    # For FREE_OVER rates: offered (at no cost) when the discounted subtotal reaches this.
    min_subtotal = money_field(null=True, blank=True)

    class Meta:
        ordering = ["price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="free_over") | models.Q(min_subtotal__isnull=False),
                name="checkout_rate_free_over_has_min_subtotal",
            ),
            models.CheckConstraint(
                condition=models.Q(max_weight_grams__isnull=True)
                | models.Q(max_weight_grams__gt=models.F("min_weight_grams")),
                name="checkout_rate_weight_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DiscountCode(models.Model):
    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage off")
        FIXED = "fixed", _("Fixed amount off")
        FREE_SHIPPING = "free_shipping", _("Free shipping")

    # Stored upper case; buyers may type it in any case.
    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Percent for PERCENTAGE, an amount in the store's currency for FIXED, unused for FREE_SHIPPING.
    value = money_field(default=Decimal("0"))
    min_subtotal = money_field(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    # Counts orders holding the code (pending or paid); a released order gives its use back.
    times_used = models.PositiveIntegerField(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    once_per_email = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="percentage") | models.Q(value__lte=100), name="checkout_discount_pct_lte_100"
            ),
            models.CheckConstraint(
                condition=models.Q(usage_limit__isnull=True) | models.Q(times_used__lte=models.F("usage_limit")),
                name="checkout_discount_used_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DiscountRedemption(models.Model):
    """One order holding a code; deleted when that order's reservation is released."""

    discount = models.ForeignKey(DiscountCode, on_delete=models.CASCADE, related_name="redemptions")
    email = models.EmailField()
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="redemption")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["discount", "email"])]

    def __str__(self) -> str:
        return f"{self.discount_id} by {self.email}"
