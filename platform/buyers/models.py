"""Marketplace buyer accounts (public schema): the account, its addresses, and what it keeps across stores.

A buyer is not an ``accounts.User``: users are sellers, their staff and platform admins, the people Django's auth
(``request.user``, the admin, permissions) is for. A buyer never gets any of that, signs in under session keys of
its own (``session.py``), and may have the same email address as a user without the two ever meeting.
"""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Buyer(models.Model):
    """One person shopping on Mercato: signs in on the platform site, and through it on any store's host."""

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    # A hash made by Django's password hashers, never the password itself.
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="buyers_buyer_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        """Whether ``raw_password`` is this buyer's; a hash made with an older hasher is upgraded on the way."""

        def upgrade(raw: str) -> None:
            self.set_password(raw)
            Buyer.objects.filter(pk=self.pk).update(password=self.password)

        return check_password(raw_password, self.password, upgrade)


class PendingBuyerSignup(models.Model):
    """A buyer sign-up waiting for its email address to be confirmed; nothing else exists until then."""

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    # Already hashed; the plain password is never kept.
    password = models.CharField(max_length=128)
    # Only a hash: a leaked database doesn't leak working links.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"pending buyer {self.email}"


class BuyerAddress(models.Model):
    """A shipping address the buyer keeps on the platform site."""

    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(max_length=200)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    # A Chinese address's district (区/县) and the recipient's mobile number, as a store's checkout asks for them;
    # that checkout checks them when the address is used.
    district = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    # The address the cart's form is filled with; at most one per buyer.
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer"], condition=models.Q(is_default=True), name="buyers_one_default_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


class BuyerStore(models.Model):
    """A store the buyer signed in on with their marketplace account: that store keeps a customer record of theirs.

    Written when the platform hands the buyer over to the store, so deleting the account knows which stores to tell
    (and what to say each of them keeps) without ever looking into a store's schema.
    """

    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="store_links")
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+")
    first_signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["buyer", "store"], name="buyers_buyerstore_once")]

    def __str__(self) -> str:
        return f"{self.buyer_id} at {self.store_id}"


class BuyerOrder(models.Model):
    """A small public copy of one of the buyer's orders in one store, sent by that store when it changes.

    The order itself stays the store's record in the store's schema; this row only lists it in the buyer's history
    across stores, with the store, the order's number, total and status, and where to open it.
    """

    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="orders")
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+")
    number = models.BigIntegerField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    status_label = models.CharField(max_length=60)
    placed_at = models.DateTimeField()
    # Where the buyer opens it: the store's account page on the host the order was placed on.
    link = models.CharField(max_length=400)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="buyers_buyerorder_store_number")]

    def __str__(self) -> str:
        return f"order {self.number} of store {self.store_id}"


class FavouriteProduct(models.Model):
    """A product the buyer saved, by store and the product's id in that store (its directory listing shows it)."""

    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="favourites")
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+")
    product_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["buyer", "store", "product_id"], name="buyers_favourite_once")]

    def __str__(self) -> str:
        return f"{self.buyer_id} likes {self.store_id}/{self.product_id}"


class FollowedStore(models.Model):
    """A store the buyer follows: its new products show on the buyer's page, and the directory may rank it up."""

    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="follows")
    store = models.ForeignKey("tenants.Store", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["buyer", "store"], name="buyers_follow_once")]

    def __str__(self) -> str:
        return f"{self.buyer_id} follows {self.store_id}"
