"""API tokens a seller's programs use on the seller API; in the store's schema, so valid on that store alone."""

from django.db import models


class ApiToken(models.Model):
    name = models.CharField(max_length=100)
    # The token's first characters, to tell tokens apart in a list; never enough to use it.
    prefix = models.CharField(max_length=16)
    # SHA-256 of the whole token. Tokens carry 256 random bits, so a fast hash is enough and lookups stay one query.
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
