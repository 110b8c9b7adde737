"""The console's store migrations page: where each schema stands in the fleet migration (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.fleet.models import SchemaMigrationStatus
from tenants.fleet.selectors import current_target, effective_status, status_counts

PERM_DASHBOARD = "tenants.view_platform_dashboard"


class CurrentStatusFilter(admin.SimpleListFilter):
    """Status for the migrations on disk: a row done for older migrations is listed as pending."""

    title = "status"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(SchemaMigrationStatus.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[SchemaMigrationStatus]) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if value not in SchemaMigrationStatus.Status.values:
            return queryset.none()
        target = current_target()
        if value == SchemaMigrationStatus.Status.PENDING:
            return queryset.filter(status=value) | queryset.exclude(target=target).exclude(
                status=SchemaMigrationStatus.Status.MIGRATING
            )
        if value == SchemaMigrationStatus.Status.MIGRATING:
            return queryset.filter(status=value)
        return queryset.filter(status=value, target=target)


@admin.register(SchemaMigrationStatus)
class SchemaMigrationStatusAdmin(admin.ModelAdmin):
    list_display = (
        "schema_name",
        "store",
        "kind",
        "status_column",
        "applied",
        "attempts",
        "finished_at",
        "error_column",
    )
    list_filter = (CurrentStatusFilter, "kind", "database")
    search_fields = ("schema_name", "store__slug", "store__name", "error")
    list_select_related = ("store",)
    readonly_fields = (
        "database", "schema_name", "kind", "store", "status", "target", "applied", "attempts", "error",
        "started_at", "finished_at", "updated_at",
    )  # fmt: skip
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description="Status", ordering="status")
    def status_column(self, row: SchemaMigrationStatus) -> str:
        status = effective_status(row, current_target())
        return SchemaMigrationStatus.Status(status).label

    @admin.display(description="Last error")
    def error_column(self, row: SchemaMigrationStatus) -> str:
        lines = row.error.strip().splitlines()
        return lines[-1][:200] if lines else ""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        counts = status_counts()
        summary = ", ".join(
            f"{count} {SchemaMigrationStatus.Status(name).label.lower()}" for name, count in counts.items()
        )
        extra = {"title": f"Store migrations: {summary}", **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    # Rows are written by fleet runs only (manage.py migrate_stores).
    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(PERM_DASHBOARD)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
