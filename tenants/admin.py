"""Django admin for stores and their hosts (platform admins only)."""

from django.contrib import admin

from .models import Store, StoreDomain


class StoreDomainInline(admin.TabularInline):
    model = StoreDomain
    extra = 0
    fields = ("domain", "is_primary", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "schema_name", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "slug", "created_at", "updated_at")
    inlines = [StoreDomainInline]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        # Stores are made by provision_store only, which creates the schema with them.
        return False
