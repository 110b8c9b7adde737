"""Django admin for billing: plans (editable), each store's subscription, and the Stripe events received."""

from django.contrib import admin
from django.http import HttpRequest

from .models import ConnectedAccount, Plan, StripeEvent, Subscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "monthly_price", "currency", "max_products", "is_public")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("store", "plan", "interval", "status", "trial_end", "current_period_end", "past_due_since")
    list_filter = ("status", "interval", "plan")
    list_select_related = ("store", "plan")
    search_fields = ("store__slug", "store__name", "stripe_customer_id", "stripe_subscription_id")


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    """Read-only: events are Stripe's record; replay them with the sweep task, never by editing."""

    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("event_id", "type")
    readonly_fields = (
        "event_id", "type", "account", "payload", "stripe_created", "status", "error", "attempts",
        "received_at", "processed_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StripeEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StripeEvent | None = None) -> bool:
        return False


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(admin.ModelAdmin):
    """Read-only: the flags are Stripe's, refreshed from Stripe; the owner connects from the Payments page."""

    list_display = ("store", "stripe_account_id", "charges_enabled", "payouts_enabled", "updated_at")
    list_filter = ("charges_enabled", "payouts_enabled")
    list_select_related = ("store",)
    search_fields = ("store__slug", "store__name", "stripe_account_id")
    readonly_fields = (
        "store", "stripe_account_id", "charges_enabled", "payouts_enabled", "details_submitted", "disabled_reason",
        "created_at", "updated_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
