"""A store's automatic promotions: what they take off, which products they target and when they run."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from storefront import pricing
from storefront.catalog.models import Collection, Product, Tag, money_field


class Promotion(models.Model):
    class Kind(models.TextChoices):
        PERCENTAGE = pricing.PERCENTAGE, _("Percentage off")
        FIXED = pricing.FIXED, _("Amount off each unit")
        BUY_X_GET_Y = "buy_x_get_y", _("Buy X get Y (percent off the cheapest)")
        FREE_SHIPPING = pricing.FREE_SHIPPING, _("Free shipping over an amount")

    class Target(models.TextChoices):
        COLLECTION = "collection", _("A collection")
        TAG = "tag", _("Products with a tag")
        PRODUCTS = "products", _("Chosen products")
        ALL = "all", _("Every product")

    class Combination(models.TextChoices):
        BEST_FOR_BUYER = pricing.BEST_FOR_BUYER, _("Best for the buyer (the largest such discount wins)")
        STACKS = pricing.STACKS, _("Stacks (applied on top of the others)")

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Percent (0-100) for PERCENTAGE, an amount in the store's currency for FIXED, the percent off the "get" units
    # for BUY_X_GET_Y (100: free), 0 for FREE_SHIPPING.
    value = money_field()
    target = models.CharField(max_length=20, choices=Target.choices)
    # A deleted collection or tag leaves the promotion targeting nothing rather than deleting the seller's rule.
    collection = models.ForeignKey(Collection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    products = models.ManyToManyField(Product, related_name="+", blank=True)
    # Stored in UTC; the dashboard reads and writes them in the store's time zone.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # A quantity tier ("3 or more at 10 % off"): only lines of at least this many units get the promotion.
    min_quantity = models.PositiveIntegerField(default=1)
    # A flash sale's cap on units sold at the promoted price (None: no cap), and how many pending or paid orders
    # hold; the counter only moves through a conditional UPDATE (services.claim_capped_units), as stock does.
    unit_cap = models.PositiveIntegerField(null=True, blank=True)
    units_sold = models.PositiveIntegerField(default=0)
    # BUY_X_GET_Y: of every buy_quantity + get_quantity units of the targeted products, get_quantity are discounted.
    buy_quantity = models.PositiveSmallIntegerField(null=True, blank=True)
    get_quantity = models.PositiveSmallIntegerField(null=True, blank=True)
    # FREE_SHIPPING: the subtotal after promotions (before a discount code) from which shipping is free.
    min_subtotal = money_field(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    combination = models.CharField(max_length=10, choices=Combination.choices, default=Combination.BEST_FOR_BUYER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["is_active", "starts_at", "ends_at"], name="promotion_running")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="promotion_ends_after"),
            models.CheckConstraint(
                condition=~models.Q(kind="percentage") | models.Q(value__lte=100), name="promotion_percent_lte_100"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="buy_x_get_y")
                | models.Q(value__gt=0, value__lte=100, buy_quantity__gte=1, get_quantity__gte=1),
                name="promotion_buy_x_get_y_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="free_shipping") | models.Q(min_subtotal__gte=0),
                name="promotion_free_shipping_threshold",
            ),
            models.CheckConstraint(condition=models.Q(min_quantity__gte=1), name="promotion_min_quantity_gte_1"),
            models.CheckConstraint(
                condition=models.Q(unit_cap__isnull=True) | models.Q(units_sold__lte=models.F("unit_cap")),
                name="promotion_units_sold_lte_cap",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def changes_unit_price(self) -> bool:
        """Whether it changes the price of one unit (listings, the product page, the directory show those)."""
        return self.kind in (self.Kind.PERCENTAGE, self.Kind.FIXED)

    def bundle_rule(self) -> pricing.BundleRule:
        return pricing.BundleRule(
            name=self.name,
            buy=self.buy_quantity or 1,
            get=self.get_quantity or 1,
            percent=self.value,
            promotion_id=self.pk,
            order=(self.starts_at, self.pk),
        )

    def rule(self) -> pricing.PromotionRule:
        return pricing.PromotionRule(
            name=self.name,
            kind=self.kind,
            value=self.value,
            combination=self.combination,
            min_quantity=self.min_quantity,
            units_left=None if self.unit_cap is None else max(self.unit_cap - self.units_sold, 0),
            promotion_id=self.pk,
            ends_at=self.ends_at,
            order=(self.starts_at, self.pk),
        )


class PromotionUse(models.Model):
    """Units of a capped promotion an order took; a released order gives them back."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="uses")
    # The order's id, not a foreign key: orders sit above promotions (an order line is priced by them).
    order_id = models.BigIntegerField(db_index=True)
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} of {self.promotion_id} for {self.order_id}"


class PriceBoundaryMark(models.Model):
    """The one row saying up to when scheduled promotion starts and ends were sent to the directory."""

    checked_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"promotion boundaries sent up to {self.checked_until:%Y-%m-%d %H:%M}"
