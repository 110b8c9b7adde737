"""Reads of a store's campaigns, with their figures as the directory counted them."""

from dataclasses import dataclass, field
from decimal import Decimal

from platform.directory.selectors import campaign_figures, campaign_orders
from tenants.connection import connection
from tenants.models import Store

from .models import Campaign


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    impressions: int
    clicks: int
    spend: Decimal
    # Paid orders the campaign's clicks brought: {currency: (count, total)} (usually the store's one currency).
    orders: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    @property
    def order_count(self) -> int:
        return sum(count for count, _ in self.orders.values())


def campaigns() -> list[CampaignRow]:
    """The current store's campaigns, newest first, each with its impressions, clicks, spend and orders so far."""
    found = list(Campaign.objects.prefetch_related("products"))
    store_id, ids = _store_id(), [campaign.pk for campaign in found]
    figures = campaign_figures(store_id=store_id, campaign_ids=ids)
    orders = campaign_orders(store_id=store_id, campaign_ids=ids)
    return [
        CampaignRow(campaign, *figures.get(campaign.pk, (0, 0, Decimal(0))), orders=orders.get(campaign.pk, {}))
        for campaign in found
    ]


def campaign_by_id(campaign_id: int) -> Campaign | None:
    return Campaign.objects.filter(pk=campaign_id).prefetch_related("products").first()


def _store_id() -> int:
    return Store.objects.values_list("pk", flat=True).get(schema_name=connection.schema_name)
