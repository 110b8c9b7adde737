"""A store's buyer accounts and the orders that belong to them; the platform's users are a different thing."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models.functions import Lower


class Customer(models.Model):
    """A buyer's account in this store only: the same email in another store is another, separate account."""

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    # A hash made by Django's password hashers, never the password itself.
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)
    # The marketplace buyer account (platform.buyers, public schema) this record is linked to, by id only: set when
    # the buyer signs in here with Mercato or links this account to it; the store keeps nothing else of it.
    marketplace_buyer_id = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="customers_customer_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        """Whether ``raw_password`` is this customer's; a hash made with an older hasher is upgraded on the way."""

        def upgrade(raw: str) -> None:
            self.set_password(raw)
            Customer.objects.filter(pk=self.pk).update(password=self.password)

        return check_password(raw_password, self.password, upgrade)


class CustomerOrder(models.Model):
    """An order that shows in a customer's history: placed while signed in, or claimed through its secret link."""

    class How(models.TextChoices):
        PLACED = "placed", "Placed while signed in"
        CLAIMED = "claimed", "Claimed through the order's link"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="order_links")
    # One account per order: an order once in someone's history never moves to another account.
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="customer_link")
    how = models.CharField(max_length=10, choices=How.choices)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-linked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: order {self.order_id}"


class BlockedBuyer(models.Model):
    """A buyer (by email, any case) this store refuses reviews and messages from, until the seller unblocks them."""

    email = models.EmailField(max_length=254)
    reason = models.CharField(max_length=300, blank=True)
    blocked_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(Lower("email"), name="customers_blocked_buyer_email_ci_unique")]

    def __str__(self) -> str:
        return f"blocked {self.email}"
