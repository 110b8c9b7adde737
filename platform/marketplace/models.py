"""The marketplace's public-schema tables: a platform-site cart, which stores' carts it holds, and its checkouts.

The lines themselves are rows of each store's own cart, in that store's schema (``storefront.cart``), written and
priced only by the store's services through ``bridge``; these tables hold ids and the money the platform moves.
"""

from decimal import Decimal

from django.db import models

from platform.kit.money import currency_decimals
from tenants.models import Store


class MarketplaceCart(models.Model):
    # The platform-site session holds this token; store hosts never see it (their sessions are their own).
    token = models.CharField(max_length=64, unique=True)
    # The signed-in marketplace buyer (``buyers.Buyer``) who owns the cart: it follows them to every session and
    # device. Null for a visitor's cart, found only by the token in its session. An id, not a foreign key: the
    # account's deletion leaves an unpaid cart nobody can reach, as a visitor's cart left behind is.
    buyer_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["buyer_id"], condition=models.Q(buyer_id__isnull=False), name="marketplace_cart_one_per_buyer"
            )
        ]

    def __str__(self) -> str:
        return f"marketplace cart {self.pk}"


class CartStore(models.Model):
    """One store's part of a marketplace cart: the token of the cart kept in that store's own schema."""

    cart = models.ForeignKey(MarketplaceCart, on_delete=models.CASCADE, related_name="stores")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    store_cart_token = models.CharField(max_length=64, unique=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store_id"]
        constraints = [models.UniqueConstraint(fields=["cart", "store"], name="marketplace_cart_store_once")]

    def __str__(self) -> str:
        return f"{self.cart_id}/{self.store_id}"


class MarketplaceCheckout(models.Model):
    """One payment for a marketplace cart: an order in each store, one Stripe Checkout Session on the platform."""

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        RELEASED = "released", "Released unpaid"

    # The checkout form's one-time key: a double click or a retried POST finds this checkout.
    checkout_key = models.CharField(max_length=64, unique=True)
    # The secret in the buyer's link to the checkout's page on the platform site.
    token = models.CharField(max_length=64, unique=True)
    cart = models.ForeignKey(MarketplaceCart, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    email = models.EmailField()
    currency = models.CharField(max_length=3)
    # The whole payment in minor units (cents): the sum of the stores' order totals.
    amount = models.PositiveBigIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    # Names every transfer of this payment at Stripe (separate charges and transfers).
    transfer_group = models.CharField(max_length=64, unique=True)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent = models.CharField(max_length=255, blank=True)
    stripe_charge = models.CharField(max_length=255, blank=True)
    # The language the buyer checked out in: what the platform later writes them (a refund) is in it.
    language = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="marketplace_checkout_amount")]

    def __str__(self) -> str:
        return f"marketplace checkout {self.pk}"

    @property
    def total(self) -> Decimal:
        """The payment in the currency's units (``amount`` is in minor units)."""
        return Decimal(self.amount).scaleb(-currency_decimals(self.currency))


class StoreOrder(models.Model):
    """The order a marketplace checkout made in one store's schema, and the money that store is owed for it."""

    checkout = models.ForeignKey(MarketplaceCheckout, on_delete=models.CASCADE, related_name="orders")
    # Null once the store is purged (its schema, and the order in it, are gone); the money record stays.
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, related_name="+")
    # Ids inside the store's schema: the order is the store's record, read and changed only by its services.
    order_id = models.BigIntegerField()
    order_token = models.CharField(max_length=64)
    amount = models.PositiveBigIntegerField()  # the order's total, minor units
    fee_percent = models.DecimalField(max_digits=5, decimal_places=2)
    platform_fee = models.PositiveBigIntegerField()  # minor units, kept by the platform
    destination = models.CharField(max_length=255)  # the store's connected account
    stripe_transfer_id = models.CharField(max_length=255, blank=True)
    # The store had released this order (its reservation ran out) before the payment arrived: nothing is
    # transferred for it, and its share of the payment is refunded to the buyer (docs/marketplace.md).
    unfilled = models.BooleanField(default=False)
    # The Stripe refund of an unfilled order's share of the payment, once made.
    stripe_refund_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["store_id"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "store"], name="marketplace_one_order_per_store"),
            models.CheckConstraint(
                condition=models.Q(platform_fee__lte=models.F("amount")), name="marketplace_fee_within_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"checkout {self.checkout_id}: order {self.order_id} of store {self.store_id}"

    def selling_store(self) -> Store:
        """The store; every order has one until the store is purged, after which nothing may act on it."""
        if self.store is None:
            raise Store.DoesNotExist(f"the store of order {self.order_id} in checkout {self.checkout_id} was purged")
        return self.store

    @property
    def transfer_amount(self) -> int:
        return self.amount - self.platform_fee

    @property
    def total(self) -> Decimal:
        """The order's total in the checkout currency's units (``amount`` is in minor units)."""
        return Decimal(self.amount).scaleb(-currency_decimals(self.checkout.currency))
