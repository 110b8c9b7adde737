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
