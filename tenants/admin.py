"""Django admin for stores and their hosts (platform admins only)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import Membership, Store, StoreDomain
from .services import purge_store, restore_store, suspend_store


class StoreDomainInline(admin.TabularInline):
    model = StoreDomain
    extra = 0
    fields = ("domain", "is_primary", "created_at")
    readonly_fields = ("created_at",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "schema_name", "created_at", "closed_at")
    list_filter = ("status",)
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "slug", "status", "closed_at", "created_at", "updated_at")
    inlines = [StoreDomainInline, MembershipInline]
    actions = ["suspend", "restore", "purge"]

    @admin.action(description="Suspend: the storefront stops answering")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        for store in queryset:
            suspend_store(store=store)
        messages.success(request, f"Suspended {queryset.count()} store(s).")

    @admin.action(description="Restore: reopen closed or suspended stores")
    def restore(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        for store in queryset:
            restore_store(store=store)
        messages.success(request, f"Restored {queryset.count()} store(s).")

    @admin.action(description="Purge: delete closed stores past their grace period, for good")
    def purge(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        cutoff = timezone.now() - timedelta(days=settings.STORE_CLOSED_GRACE_DAYS)
        purgeable = queryset.filter(status=Store.Status.CLOSED, closed_at__lte=cutoff)
        names = [store.slug for store in purgeable]
        for store in purgeable:
            purge_store(store=store)
        skipped = queryset.count() - len(names) if names else queryset.count()
        if names:
            messages.success(request, f"Purged {', '.join(names)}.")
        if skipped:
            messages.warning(request, f"{skipped} store(s) skipped: only stores closed over "
                             f"{settings.STORE_CLOSED_GRACE_DAYS} days ago can be purged.")  # fmt: skip

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        # Stores are made by provision_store only, which creates the schema with them.
        return False
