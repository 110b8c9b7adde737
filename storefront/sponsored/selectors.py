"""Reads of a store's campaigns, with their figures as the directory counted them."""

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal

from django.utils import timezone

from platform.directory.selectors import campaign_figures, campaign_orders
from storefront.catalog.models import Product
from storefront.themes.selectors import store_timezone
from tenants.connection import connection
from tenants.models import Store

from .models import Campaign

RUNNING, SCHEDULED, ENDED, PAUSED = "running", "scheduled", "ended", "paused"


def campaign_state(campaign: Campaign, now: datetime | None = None) -> str:
    """Whether the directory shows the campaign now: paused by the seller, before its start, past its end, or running."""
    now = now or timezone.now()
    if not campaign.active:
        return PAUSED
    if campaign.starts_at is not None and now < campaign.starts_at:
        return SCHEDULED
    if campaign.ends_at is not None and now >= campaign.ends_at:
        return ENDED
    return RUNNING


@dataclass(frozen=True)
class CampaignProduct:
    title: str
    # False: archived or back to draft since it was chosen; it stays in the campaign but the directory shows it
    # nowhere (its listing is gone) until it is on sale again. A deleted product leaves the campaign.
    on_sale: bool


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    impressions: int
    clicks: int
    spend: Decimal
    # Paid orders the campaign's clicks brought: {currency: (count, total)} (usually the store's one currency).
    orders: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    state: str = RUNNING
    products: tuple[CampaignProduct, ...] = ()
    # The campaign's dates as the store's wall-clock time ("" for none), as the seller entered them.
    starts: str = ""
    ends: str = ""

    @property
    def order_count(self) -> int:
        return sum(count for count, _ in self.orders.values())


def campaigns() -> list[CampaignRow]:
    """The current store's campaigns, newest first, each with its impressions, clicks, spend and orders so far."""
    found = list(Campaign.objects.prefetch_related("products"))
    store_id, ids = _store_id(), [campaign.pk for campaign in found]
    figures = campaign_figures(store_id=store_id, campaign_ids=ids)
    orders = campaign_orders(store_id=store_id, campaign_ids=ids)
    zone = store_timezone()
    return [
        CampaignRow(
            campaign,
            *figures.get(campaign.pk, (0, 0, Decimal(0))),
            orders=orders.get(campaign.pk, {}),
            state=campaign_state(campaign),
            products=tuple(
                CampaignProduct(product.title, product.status == Product.Status.ACTIVE)
                for product in campaign.products.all()
            ),
            starts=_wall_clock(campaign.starts_at, zone),
            ends=_wall_clock(campaign.ends_at, zone),
        )
        for campaign in found
    ]


def _wall_clock(moment: datetime | None, zone: tzinfo) -> str:
    return f"{timezone.localtime(moment, zone):%Y-%m-%d %H:%M}" if moment else ""


def campaign_by_id(campaign_id: int) -> Campaign | None:
    return Campaign.objects.filter(pk=campaign_id).prefetch_related("products").first()


def _store_id() -> int:
    return Store.objects.values_list("pk", flat=True).get(schema_name=connection.schema_name)
