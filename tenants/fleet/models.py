"""Where each store schema stands in the fleet migration: one row per schema, kept in the public schema."""

from django.db import models
from django.utils import timezone


class SchemaMigrationStatus(models.Model):
    """The last fleet migration run's outcome for one schema (a store's, or a pooled one's).

    ``target`` is the fingerprint of the migrations the run brought the schema to: a row counts as done only for
    the target it was done for, so a deploy with a new migration makes every row pending again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        MIGRATING = "migrating", "Migrating"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        STORE = "store", "Store"
        POOL = "pool", "Pooled schema"

    # The connection alias of the PostgreSQL server that holds the schema: one per server once stores are spread
    # over several (today always "default").
    database = models.CharField(max_length=100, default="default")
    schema_name = models.CharField(max_length=63)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STORE)
    store = models.ForeignKey(
        "tenants.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="migration_statuses"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    target = models.CharField(max_length=64, blank=True)
    # How many migrations the last successful run applied (0: the schema was already current).
    applied = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["database", "schema_name"]
        verbose_name = "store migration status"
        verbose_name_plural = "store migration statuses"
        constraints = [
            models.UniqueConstraint(fields=["database", "schema_name"], name="fleet_status_schema_unique"),
        ]
        indexes = [models.Index(fields=["status", "target"], name="fleet_status_status_target")]

    def __str__(self) -> str:
        return f"{self.schema_name}: {self.status}"
