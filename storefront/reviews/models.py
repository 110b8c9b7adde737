"""A buyer's rating and review of one product of a fulfilled order."""

from django.db import models

MAX_BODY = 2000


class Review(models.Model):
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="reviews")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="reviews")
    # The line that proves the purchase; a product bought as two variants is still reviewed once per order.
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    body = models.TextField(max_length=MAX_BODY, blank=True)
    # Shown next to the review: the first word of the shipping name, never the buyer's email or address.
    author_name = models.CharField(max_length=100, blank=True)
    is_hidden = models.BooleanField(default=False)
    # Why the platform hid it after a report (empty when the seller hid it, or it is shown).
    hidden_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "is_hidden"])]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="reviews_review_once_per_order_product"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="reviews_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for product {self.product_id} (order {self.order_id})"


class ReputationFigures(models.Model):
    """The store's reputation as last computed by reviews.reputation.refresh_reputation (one row, pk=1)."""

    review_average = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    review_count = models.PositiveIntegerField(default=0)
    # Shares in percent (one decimal), None while the window holds nothing to count.
    on_time_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    shipped_counted = models.PositiveIntegerField(default=0)
    median_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    responses_counted = models.PositiveIntegerField(default=0)
    cancellation_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    orders_counted = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"reputation computed at {self.computed_at:%Y-%m-%d %H:%M}"


class ReviewReport(models.Model):
    """A seller's report of a review as abusive; the platform's moderators decide it (tenants.moderation)."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the platform"
        APPROVED = "approved", "Approved: the review stays"
        HIDDEN = "hidden", "Hidden by the platform"
        WARNED = "warned", "The buyer was warned"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reason = models.TextField(max_length=1000)
    reported_by = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"], condition=models.Q(status="open"), name="reviews_one_open_report_per_review"
            )
        ]

    def __str__(self) -> str:
        return f"report {self.pk} of review {self.review_id} ({self.status})"
