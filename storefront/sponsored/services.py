"""Writes of a store's campaigns: each save is copied to the directory in the same transaction; so is each paid
order a sponsored click brought."""

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.usage import ensure_sponsored_billing
from platform.directory.sponsored import publish_campaign, record_sponsored_order
from platform.kit.money import parse_amount
from storefront.catalog.models import Product
from storefront.orders.models import Order, OrderEvent
from tenants.connection import connection
from tenants.models import Store

from .models import Campaign

MAX_PRODUCTS = 50


def save_campaign(
    *,
    campaign: Campaign | None = None,
    name: str,
    product_ids: Sequence[int],
    daily_budget: object,
    cost_per_click: object,
    active: bool = True,
) -> Campaign:
    """Create (``campaign`` None) or change a campaign of the current store, and feed it to the directory.

    Refuses, changing nothing, a campaign without a name or products, with products not active in this store,
    with amounts that aren't money, or with a daily budget below one click; and any campaign while the store has no
    live subscription to bill the spend on.
    """
    store = Store.objects.get(schema_name=connection.schema_name)
    currency = ensure_sponsored_billing(store=store)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Give the campaign a name (at most 100 characters).")]
    ids = sorted({int(product_id) for product_id in product_ids})
    products = list(Product.objects.filter(pk__in=ids, status=Product.Status.ACTIVE))
    if not ids:
        errors["products"] = [_("Choose at least one product to promote.")]
    elif len(products) != len(ids):
        errors["products"] = [_("Choose active products of this store only.")]
    elif len(ids) > MAX_PRODUCTS:
        errors["products"] = [_("A campaign promotes at most %(count)s products.") % {"count": MAX_PRODUCTS}]
    amounts: dict[str, Decimal] = {}
    for field, value, label in (("daily_budget", daily_budget, _("Daily budget")),
                                ("cost_per_click", cost_per_click, _("Price per click"))):  # fmt: skip
        try:
            amounts[field] = parse_amount(value, currency=currency, label=label)
        except ValidationError as error:
            errors[field] = list(error.messages)
            continue
        if amounts[field] <= 0:
            errors[field] = [_("%(label)s must be more than zero.") % {"label": label}]
    if not errors and amounts["daily_budget"] < amounts["cost_per_click"]:
        errors["daily_budget"] = [_("The daily budget must pay for at least one click.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign(currency=currency)
        campaign.name, campaign.active = name, active
        campaign.daily_budget, campaign.cost_per_click = amounts["daily_budget"], amounts["cost_per_click"]
        campaign.save()
        campaign.products.set(products)
        publish_campaign(
            store=store,
            campaign_id=campaign.pk,
            name=campaign.name,
            product_ids=ids,
            daily_budget=campaign.daily_budget,
            cost_per_click=campaign.cost_per_click,
            currency=campaign.currency,
            active=campaign.active,
        )
    return campaign


def report_order_after_event(order: Order, kind: str) -> None:
    """On payment (inside its transaction), tell the directory the order came from the campaign it names."""
    if kind == OrderEvent.Kind.PAID and order.sponsored_campaign_id is not None and order.paid_at is not None:
        record_sponsored_order(
            store=Store.objects.get(schema_name=connection.schema_name),
            campaign_id=order.sponsored_campaign_id,
            order_id=order.pk,
            total=order.total,
            currency=order.currency,
            paid_at=order.paid_at,
        )
