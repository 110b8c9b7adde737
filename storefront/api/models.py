"""API tokens a seller's programs use on the seller API; in the store's schema, so valid on that store alone."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from .scopes import ALL_SCOPES


class ApiToken(models.Model):
    name = models.CharField(max_length=100)
    # The token's first characters, to tell tokens apart in a list; never enough to use it.
    prefix = models.CharField(max_length=16)
    # SHA-256 of the whole token. Tokens carry 256 random bits, so a fast hash is enough and lookups stay one query.
    digest = models.CharField(max_length=64, unique=True)
    # What the token may do (scopes.ALL_SCOPES), chosen when it is made and never widened afterwards.
    scopes = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    # The email of the member who made it in the dashboard; blank for tokens issued from the command line.
    # An email rather than a link to the account: the account lives in the public schema and may be deleted.
    created_by = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__contained_by=list(ALL_SCOPES)), name="store_api_apitoken_known_scopes"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
