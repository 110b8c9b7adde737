"""Conversations with buyers: one thread per buyer's email in each store, holding their messages and the seller's."""

import secrets

from django.db import models
from django.db.models.functions import Lower

MAX_MESSAGE = 5000


def new_link_key() -> str:
    return secrets.token_urlsafe(24)


class Conversation(models.Model):
    """Everything one buyer (by email) and the store said to each other, newest activity first in the inbox."""

    email = models.EmailField()
    name = models.CharField(max_length=100)
    # The first message's subject; later ones keep their own on the message.
    subject = models.CharField(max_length=200)
    # Part of every link emailed to the buyer: a new key makes all earlier links stop working.
    link_key = models.CharField(max_length=64, default=new_link_key)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField()
    last_buyer_message_at = models.DateTimeField(null=True, blank=True)
    last_seller_message_at = models.DateTimeField(null=True, blank=True)
    # When a seller last opened the thread: the buyer's messages after it are unread.
    seller_read_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [models.UniqueConstraint(Lower("email"), name="inbox_one_conversation_per_email")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.email})"

    @property
    def unread(self) -> bool:
        if self.last_buyer_message_at is None:
            return False
        return self.seller_read_at is None or self.seller_read_at < self.last_buyer_message_at

    @property
    def answered(self) -> bool:
        """The seller wrote last: nothing from the buyer is waiting for an answer."""
        if self.last_seller_message_at is None:
            return False
        return self.last_buyer_message_at is None or self.last_seller_message_at >= self.last_buyer_message_at


class ContactMessage(models.Model):
    """One message of a conversation: the buyer's (contact form or emailed link) or a seller's answer."""

    class Author(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=6, choices=Author.choices, default=Author.BUYER)
    # The buyer's name and address as given with this message; empty on a seller's.
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    # The contact form's subject; empty on answers.
    subject = models.CharField(max_length=200, blank=True)
    message = models.TextField(max_length=MAX_MESSAGE)
    # Kept for dealing with abuse; the rate limit itself lives in Redis.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The seller who wrote an answer (their sign-in email).
    sent_by = models.CharField(max_length=254, blank=True)
    # When the answer's email went to the buyer; the sending task skips an answer already sent.
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.author} message in conversation {self.conversation_id}"
