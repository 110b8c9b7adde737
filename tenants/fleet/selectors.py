"""Where the fleet migration stands, for the command's --status and the console."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import QuerySet

from .models import SchemaMigrationStatus

Status = SchemaMigrationStatus.Status


@lru_cache(maxsize=4)
def current_target(database: str = "default") -> str:
    """The fingerprint of the migrations on disk (the graph is read once per process)."""
    from .executor import FleetMigrator

    return FleetMigrator(database).target


def effective_status(row: SchemaMigrationStatus, target: str) -> str:
    """A row done for other migrations than the ones on disk is pending again (the next run will say so too)."""
    if row.target != target and row.status != Status.MIGRATING:
        return Status.PENDING
    return row.status


def status_counts(database: str = "default") -> dict[str, int]:
    """How many schemas are pending, migrating, done and failed for the migrations on disk."""
    target = current_target(database)
    counts = dict.fromkeys(Status.values, 0)
    for row in SchemaMigrationStatus.objects.filter(database=database).only("status", "target"):
        counts[effective_status(row, target)] += 1
    return counts


def unfinished_schemas(database: str = "default", limit: int = 50) -> QuerySet[SchemaMigrationStatus]:
    """Schemas that failed, or were left busy, with the error the last run recorded."""
    return (
        SchemaMigrationStatus.objects.filter(database=database, target=current_target(database))
        .filter(status__in=[Status.FAILED, Status.PENDING])
        .exclude(error="")
        .order_by("status", "schema_name")[:limit]
    )
