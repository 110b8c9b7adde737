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
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost_per_click__gt=0), name="sponsored_campaign_cpc_gt_0"),
            models.CheckConstraint(
                condition=models.Q(daily_budget__gte=models.F("cost_per_click")),
                name="sponsored_campaign_budget_gte_cpc",
            ),
        ]

    def __str__(self) -> str:
        return self.name
