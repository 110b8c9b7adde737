"""The money of a marketplace order as the store sees it: its transfer from the platform and the reversals."""

from decimal import Decimal

from django.db import models

from storefront.catalog.models import money_field
from storefront.orders.models import Order


class OrderPayout(models.Model):
    """One order paid through the platform's marketplace cart: the platform kept ``platform_fee`` of ``paid`` and
    transferred the rest to the store's connected account (Stripe's "separate charges and transfers")."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="payout")
    currency = models.CharField(max_length=3)
    paid = money_field()
    platform_fee = money_field()
    fee_percent = models.DecimalField(max_digits=5, decimal_places=2)
    # Stripe's own processing fee is the platform's cost in this flow (the charge is the platform's); kept when
    # Stripe reports it, for the seller's information only.
    stripe_fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    transferred = money_field()
    # Taken back from the transfer so far (refunds); transferred - reversed is what the store keeps.
    reversed = money_field(default=0)
    stripe_transfer_id = models.CharField(max_length=255, unique=True)
    transfer_group = models.CharField(max_length=255)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reversed__lte=models.F("transferred")), name="payouts_reversed_lte_transferred"
            )
        ]

    def __str__(self) -> str:
        return f"payout of order {self.order_id}"

    @property
    def net(self) -> Decimal:
        """What the store keeps of this order: the transfer less what refunds took back."""
        return self.transferred - self.reversed


class PayoutReversal(models.Model):
    """Part of an order's transfer taken back after a refund; one row per Stripe transfer reversal."""

    payout = models.ForeignKey(OrderPayout, on_delete=models.PROTECT, related_name="reversals")
    amount = money_field()
    # The buyer's refunds of the order up to this reversal (the reversal brings the store's share in line with it).
    refunded_total = money_field()
    stripe_reversal_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"reversal {self.stripe_reversal_id}"
