"""Usage billed on a store's subscription: sponsored placement's spend, metered through a Stripe billing meter.

One meter (event ``SPONSORED_EVENT``) sums the spend each counted click reports, in the currency's minor units; a
metered price of one minor unit per unit, per currency and interval, is added once as an item of the store's
subscription, so the spend appears as its own line on the subscription's next invoice (docs/billing.md).
"""

from decimal import Decimal

import stripe
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from platform.kit.money import currency_decimals
from tenants.models import Store

from .gateway import stripe_client
from .models import Subscription

SPONSORED_EVENT = "mercato_sponsored_spend"
SPONSORED_PRODUCT_NAME = "Sponsored placement"


def _minor_units(amount: object, currency: str) -> int:
    return int((Decimal(str(amount)) * 10 ** currency_decimals(currency.upper())).to_integral_value())


def sponsored_meter_id() -> str:
    """The platform's meter of sponsored spend, made once (found again by its event name)."""
    client = stripe_client()
    for meter in client.v1.billing.meters.list().auto_paging_iter():
        if meter.event_name == SPONSORED_EVENT:
            return meter.id
    meter = client.v1.billing.meters.create(
        params={
            "display_name": SPONSORED_PRODUCT_NAME,
            "event_name": SPONSORED_EVENT,
            "default_aggregation": {"formula": "sum"},
        }
    )
    return meter.id


def sponsored_price_id(*, currency: str, interval: str) -> str:
    """The metered price of sponsored spend in ``currency`` billed every ``interval`` (one minor unit per unit)."""
    client = stripe_client()
    key = f"mercato-sponsored-{currency.lower()}-{interval}"
    found = client.v1.prices.list(params={"lookup_keys": [key], "active": True}).data
    if found:
        return found[0].id
    price = client.v1.prices.create(
        params={
            "currency": currency.lower(),
            "unit_amount": 1,
            "lookup_key": key,
            "product_data": {"name": SPONSORED_PRODUCT_NAME},
            "recurring": {"interval": interval, "usage_type": "metered", "meter": sponsored_meter_id()},
        }
    )
    return price.id


def ensure_sponsored_billing(*, store: Store) -> str:
    """Make sure the store's subscription carries the sponsored-spend item; returns the currency spend is billed in.

    Raises ValidationError (shown to the seller) when the store has no live subscription to bill.
    """
    record = Subscription.objects.filter(store_id=store.pk).select_related("plan").first()
    if record is None or not record.is_live or not record.stripe_subscription_id:
        raise ValidationError(
            _(
                "Sponsored placement is billed on your plan's subscription: choose a paid plan on the Billing page first."
            )
        )
    client = stripe_client()
    subscription = client.v1.subscriptions.retrieve(record.stripe_subscription_id)
    items = subscription["items"].data
    interval = items[0].price.recurring.interval
    price_id = sponsored_price_id(currency=subscription.currency, interval=interval)
    if not any(item.price.id == price_id for item in items):
        client.v1.subscription_items.create(
            params={"subscription": subscription.id, "price": price_id, "proration_behavior": "none"},
            options={"idempotency_key": f"mercato-sponsored-item-{subscription.id}-{price_id}"},
        )
    return subscription.currency.upper()


def report_sponsored_spend(*, store_id: int, identifier: str, amount: object, currency: str) -> None:
    """Send one counted click's spend to the meter; ``identifier`` makes a repeated report count once."""
    record = Subscription.objects.filter(store_id=store_id).first()
    if record is None:
        raise ValidationError("The store has no Stripe customer to bill.")
    try:
        stripe_client().v1.billing.meter_events.create(
            params={
                "event_name": SPONSORED_EVENT,
                "identifier": identifier,
                "payload": {
                    "stripe_customer_id": record.stripe_customer_id,
                    "value": str(_minor_units(amount, currency)),
                },
            }
        )
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", None) != "resource_already_exists":
            raise
