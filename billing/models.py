"""Plans sellers choose, each store's Stripe subscription, and every Stripe event received (public schema)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    """A subscription plan: data platform admins edit; ``sync_stripe_plans`` gives it its Stripe prices."""

    class TrialEnd(models.TextChoices):
        FREE = "free", "Fall back to the Free plan"
        SUSPEND = "suspend", "Suspend the store"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    yearly_price = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="USD")
    trial_days = models.PositiveIntegerField(default=0)
    # What happens when a trial ends and the store gave no payment method.
    trial_end_behavior = models.CharField(max_length=20, choices=TrialEnd.choices, default=TrialEnd.FREE)
    max_products = models.PositiveIntegerField(null=True, blank=True, help_text="Active products; empty: unlimited.")
    max_staff_seats = models.PositiveIntegerField(null=True, blank=True, help_text="People, owner included.")
    max_custom_domains = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means unlimited.")
    platform_fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Taken from each buyer payment.",
    )
    is_public = models.BooleanField(default=True)
    stripe_product_id = models.CharField(max_length=64, blank=True)
    stripe_monthly_price_id = models.CharField(max_length=64, blank=True)
    stripe_yearly_price_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["monthly_price"]

    def __str__(self) -> str:
        return f"{self.name} ({self.monthly_price} {self.currency}/month)"

    @property
    def is_free(self) -> bool:
        return self.monthly_price == 0 and self.yearly_price == 0

    def price_id(self, interval: str) -> str:
        return self.stripe_yearly_price_id if interval == Subscription.Interval.YEAR else self.stripe_monthly_price_id

    def price(self, interval: str) -> Decimal:
        return self.yearly_price if interval == Subscription.Interval.YEAR else self.monthly_price


class Subscription(models.Model):
    """A store's link to Stripe: its customer (made once) and its subscription as Stripe last reported it."""

    class Interval(models.TextChoices):
        MONTH = "month", _("Monthly")
        YEAR = "year", _("Yearly")

    # Stripe's subscription statuses; "none" means no subscription yet (the store is on Free).
    class Status(models.TextChoices):
        NONE = "none", _("No subscription")
        INCOMPLETE = "incomplete", _("Incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
        TRIALING = "trialing", _("Trialing")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        CANCELED = "canceled", _("Canceled")
        UNPAID = "unpaid", _("Unpaid")
        PAUSED = "paused", _("Paused")

    # Statuses in which the paid plan's limits apply; any other status means the Free plan.
    LIVE = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)

    store = models.OneToOneField("tenants.Store", on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    interval = models.CharField(max_length=10, choices=Interval.choices, default=Interval.MONTH)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NONE)
    stripe_customer_id = models.CharField(max_length=64, unique=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True, db_index=True)
    trial_end = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    has_payment_method = models.BooleanField(default=False)
    # When Stripe made the subscription, and the newest event about it applied here (Unix times, Stripe's clock).
    stripe_created = models.BigIntegerField(null=True, blank=True)
    stripe_synced_at = models.BigIntegerField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    suspended_for_nonpayment = models.BooleanField(default=False)
    trial_reminder_sent_for = models.DateTimeField(null=True, blank=True)
    checkout_session_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.store_id}: {self.plan_id} {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class StripeEvent(models.Model):
    """A webhook event, stored once by its id before anything acts on it; a task then processes it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (no handler)"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    account = models.CharField(max_length=64, blank=True, help_text="The connected account, for Connect events.")
    payload = models.JSONField()
    stripe_created = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stripe_created", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.status})"


class ConnectedAccount(models.Model):
    """A store's own Stripe account (Connect), where its buyers' payments go once Stripe lets it take charges.

    The flags are Stripe's, as last read from Stripe (the return from onboarding, ``account.updated``); nothing
    the browser sends sets them.
    """

    store = models.OneToOneField("tenants.Store", on_delete=models.CASCADE, related_name="connected_account")
    stripe_account_id = models.CharField(max_length=64, unique=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    # Stripe's reason the account can't take charges yet (``requirements.disabled_reason``), shown to the owner.
    disabled_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.store_id}: {self.stripe_account_id}"

    @property
    def can_take_payments(self) -> bool:
        return self.charges_enabled
