"""A store's sponsored-placement campaigns (the directory runs the copy platform.directory.sponsored keeps)."""

from django.db import models

from storefront.catalog.models import Product


class Campaign(models.Model):
    """Chosen products promoted in the directory, paid per counted click up to a daily budget."""

    name = models.CharField(max_length=100)
    products = models.ManyToManyField(Product, related_name="+")
    daily_budget = models.DecimalField(max_digits=12, decimal_places=2)
    cost_per_click = models.DecimalField(max_digits=12, decimal_places=2)
    # The currency of the store's subscription, which the spend is billed on.
    currency = models.CharField(max_length=3)
    # False: paused by the seller; nothing shows or counts until it is resumed.
    active = models.BooleanField(default=True)
    # The campaign's window, stored in UTC and read and written in the store's time zone by the dashboard; empty
    # means from now on / until paused. Outside it the directory shows none of its products and counts no click.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost_per_click__gt=0), name="sponsored_campaign_cpc_gt_0"),
            models.CheckConstraint(
                condition=models.Q(daily_budget__gte=models.F("cost_per_click")),
                name="sponsored_campaign_budget_gte_cpc",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="sponsored_campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name
