"""Writes of a store's campaigns: each save is copied to the directory in the same transaction; so is each paid
order a sponsored click brought."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.usage import ensure_sponsored_billing
from platform.directory.sponsored import drop_campaign_products, publish_campaign, record_sponsored_order
from platform.kit.money import parse_amount
from storefront.catalog.models import Product
from storefront.orders.models import Order, OrderEvent
from storefront.themes.selectors import store_timezone
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
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Campaign:
    """Create (``campaign`` None) or change a campaign of the current store, and feed it to the directory.

    ``starts_at``/``ends_at`` bound when it runs (None: open at that end); naive ones are the store's wall-clock
    time. Refuses, changing nothing, a campaign without a name or products, with products not active in this store,
    with amounts that aren't money, with a daily budget below one click, or ending before it starts; and any
    campaign while the store has no live subscription to bill the spend on.
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
    starts_at, ends_at = _in_store_time(starts_at), _in_store_time(ends_at)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if campaign is None:
            campaign = Campaign(currency=currency)
        campaign.name, campaign.active = name, active
        campaign.starts_at, campaign.ends_at = starts_at, ends_at
        campaign.daily_budget, campaign.cost_per_click = amounts["daily_budget"], amounts["cost_per_click"]
        campaign.save()
        campaign.products.set(products)
        _publish(store, campaign, ids)
    return campaign


@transaction.atomic
def set_campaign_running(*, campaign: Campaign, running: bool) -> Campaign:
    """Pause (``running`` False) or resume a campaign, in the store and in the directory, keeping everything else.

    Unlike a save it asks nothing of the products or the plan: pausing must always work, and resuming a
    campaign whose product has left the sale only shows the ones still listed."""
    store = Store.objects.get(schema_name=connection.schema_name)
    Campaign.objects.filter(pk=campaign.pk).update(active=running)
    campaign.active = running
    _publish(store, campaign, list(campaign.products.values_list("pk", flat=True)))
    return campaign


def drop_deleted_products(product_ids: list[int]) -> None:
    """A deleted product leaves the directory's copy of every campaign that held it (its own campaign rows went
    with it); registered with catalog.changes, so it runs in the deletion's transaction, after the delete."""
    gone = set(product_ids) - set(Product.objects.filter(pk__in=product_ids).values_list("pk", flat=True))
    if gone:
        drop_campaign_products(store=Store.objects.get(schema_name=connection.schema_name), product_ids=sorted(gone))


def _publish(store: Store, campaign: Campaign, product_ids: Sequence[int]) -> None:
    publish_campaign(
        store=store,
        campaign_id=campaign.pk,
        name=campaign.name,
        product_ids=product_ids,
        daily_budget=campaign.daily_budget,
        cost_per_click=campaign.cost_per_click,
        currency=campaign.currency,
        active=campaign.active,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
    )


def _in_store_time(moment: datetime | None) -> datetime | None:
    """A naive date-time is the store's wall-clock time (the dashboard's fields); an aware one is kept."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return moment.replace(tzinfo=store_timezone())


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
