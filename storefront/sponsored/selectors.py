"""Reads of a store's campaigns, with their figures as the directory counted them."""

from dataclasses import dataclass
from decimal import Decimal

from platform.directory.selectors import campaign_figures
from tenants.connection import connection
from tenants.models import Store

from .models import Campaign


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    impressions: int
    clicks: int
    spend: Decimal


def campaigns() -> list[CampaignRow]:
    """The current store's campaigns, newest first, each with its impressions, clicks and spend so far."""
    found = list(Campaign.objects.prefetch_related("products"))
    figures = campaign_figures(store_id=_store_id(), campaign_ids=[campaign.pk for campaign in found])
    return [CampaignRow(campaign, *figures.get(campaign.pk, (0, 0, Decimal(0)))) for campaign in found]


def campaign_by_id(campaign_id: int) -> Campaign | None:
    return Campaign.objects.filter(pk=campaign_id).prefetch_related("products").first()


def _store_id() -> int:
    return Store.objects.values_list("pk", flat=True).get(schema_name=connection.schema_name)
