"""The console's pods page: each pod's stores, database size and connections, and opening or closing it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from tenants.models import Pod, Store
from tenants.pods.selectors import pod_loads, server_figures
from tenants.pods.services import set_pod_open


@admin.register(Pod)
class PodAdmin(admin.ModelAdmin):
    list_display = ("name", "database_alias", "is_open", "stores_column", "size_column", "connections_column")
    readonly_fields = ("name", "database_alias", "created_at")
    fields = ("name", "database_alias", "is_open", "created_at")
    actions = ["open_pods", "close_pods"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a pod is added from its configured database: manage.py pods add NAME

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pod]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                store_count=Count("stores"),
                open_count=Count("stores", filter=~Q(stores__status=Store.Status.CLOSED)),
            )
        )

    @admin.display(description="Stores (not closed)", ordering="store_count")
    def stores_column(self, pod: Any) -> str:
        return f"{pod.store_count} ({pod.open_count})"

    @admin.display(description="Database size")
    def size_column(self, pod: Pod) -> str:
        size, _ = server_figures(pod.database_alias)
        return f"{size / 1e6:.1f} MB" if size is not None else "unreachable"

    @admin.display(description="Connections")
    def connections_column(self, pod: Pod) -> str:
        _, count = server_figures(pod.database_alias)
        return str(count) if count is not None else "—"

    @admin.action(description="Open the selected pods to new stores")
    def open_pods(self, request: HttpRequest, queryset: QuerySet[Pod]) -> None:
        for pod in queryset:
            set_pod_open(pod=pod, is_open=True)
        messages.success(request, f"{queryset.count()} pod(s) open to new stores.")

    @admin.action(description="Close the selected pods to new stores (their stores keep running)")
    def close_pods(self, request: HttpRequest, queryset: QuerySet[Pod]) -> None:
        for pod in queryset:
            set_pod_open(pod=pod, is_open=False)
        messages.success(request, f"{queryset.count()} pod(s) closed to new stores.")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        platform = pod_loads()[0]
        title = f"Pods (the platform database itself holds {platform.stores} store(s))"
        return super().changelist_view(request, extra_context={"title": title, **(extra_context or {})})
