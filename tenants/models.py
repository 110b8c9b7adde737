"""Stores (django-tenants tenants) and the hosts they answer on."""

from django.db import models
from django.db.models.functions import Lower
from django_tenants.models import DomainMixin, TenantMixin

from .validators import SLUG_MAX_LENGTH, validate_store_slug


class Store(TenantMixin):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", "Provisioning"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=100)
    slug = models.CharField(max_length=SLUG_MAX_LENGTH, unique=True, validators=[validate_store_slug])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROVISIONING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Schemas are created and dropped only by tenants.services, which also cleans up after a failure.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("slug"), name="tenants_store_slug_ci_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class StoreDomain(DomainMixin):
    """A host a store answers on: its platform subdomain, or a custom domain the seller has verified."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "domain"]

    def __str__(self) -> str:
        return self.domain
