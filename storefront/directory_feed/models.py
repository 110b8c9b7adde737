"""The outbox: one row per product change, written in the same transaction as the change itself."""

from django.db import models


class ProductChange(models.Model):
    """A product whose directory listing must be recomputed; deleted once the directory has the new state.

    Only the id is kept: the drain reads the product's current state, so ten changes cost one listing write.
    """

    product_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"change of product {self.product_id}"
