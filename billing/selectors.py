"""Reads of billing: a store's plan and subscription, its invoices from Stripe, the dashboard's overview."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import stripe
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from tenants.models import Store

from . import limits
from .gateway import stripe_client
from .models import Plan, Subscription

# Stripe's invoice statuses as the seller reads them ("draft" invoices are never listed).
INVOICE_STATUSES: dict[str, Promise] = {
    "open": pgettext_lazy("invoice status", "open"),
    "paid": pgettext_lazy("invoice status", "paid"),
    "uncollectible": pgettext_lazy("invoice status", "uncollectible"),
    "void": pgettext_lazy("invoice status", "void"),
}


@dataclass
class InvoiceRow:
    number: str
    created: datetime
    amount: Decimal
    currency: str
    status: str
    url: str

    @property
    def status_label(self) -> str:
        return str(INVOICE_STATUSES.get(self.status, self.status))


@dataclass
class BillingOverview:
    plan: Plan
    subscription: Subscription | None
    next_invoice_at: datetime | None
    next_invoice_amount: Decimal | None
    invoices: list[InvoiceRow] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)


def subscription_for_store(store: Store) -> Subscription | None:
    return Subscription.objects.filter(store_id=store.pk).select_related("plan").first()


def public_plans() -> list[Plan]:
    return list(Plan.objects.filter(is_public=True))


def billing_alert(store: Store | None) -> str:
    """The dashboard banner's reason: "past_due" or "suspended", or "" when there is nothing to say."""
    if store is None:
        return ""
    record = Subscription.objects.filter(store_id=store.pk).only("status", "suspended_for_nonpayment").first()
    if record is None:
        return ""
    if record.suspended_for_nonpayment:
        return "suspended"
    return "past_due" if record.status == Subscription.Status.PAST_DUE else ""


def _from_minor_units(amount: int, currency: str) -> Decimal:
    """Stripe counts in the currency's smallest unit (cents; yen have none): 1950 USD cents is 19.50."""
    from platform.kit.money import currency_decimals

    try:
        places = currency_decimals(currency.upper())
    except ValueError:
        places = 2
    return (Decimal(amount) / (10**places)).quantize(Decimal(1).scaleb(-places))


def invoices(record: Subscription | None, *, limit: int = 12) -> list[InvoiceRow]:
    if record is None:
        return []
    try:
        found = stripe_client().v1.invoices.list(params={"customer": record.stripe_customer_id, "limit": limit}).data
    except stripe.StripeError:  # the page still shows the plan when Stripe can't be reached
        return []
    return [
        InvoiceRow(
            number=invoice.number or invoice.id,
            created=datetime.fromtimestamp(invoice.created, tz=UTC),
            amount=_from_minor_units(invoice.total, invoice.currency),
            currency=invoice.currency.upper(),
            status=invoice.status or "",
            url=invoice.hosted_invoice_url or "",
        )
        for invoice in found
        if invoice.status != "draft"
    ]


def overview(store: Store) -> BillingOverview:
    record = subscription_for_store(store)
    plan = limits.plan_for_store(store)
    live = record is not None and record.is_live
    next_at = None
    next_amount = None
    if record is not None and live and not record.cancel_at_period_end:
        # The next invoice is the plan's price at the period end (or the trial end); prorations show on it in Stripe.
        next_at = record.current_period_end or record.trial_end
        next_amount = plan.price(record.interval)
    return BillingOverview(
        plan=plan,
        subscription=record,
        next_invoice_at=next_at,
        next_invoice_amount=next_amount,
        invoices=invoices(record),
        usage=limits.usage(store),
    )
