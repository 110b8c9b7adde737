"""Writes of sponsored placement: a store's campaign fed to the directory, impressions, counted clicks and billing.

A campaign lives in the store's schema (storefront.sponsored) and is copied here by ``publish_campaign``; the
directory then shows up to SPONSORED_PER_PAGE of its products above the results of a search their text matches,
labelled "Sponsored" (platform.directory.selectors.sponsored_hits). A click goes through the platform's redirect
(views.sponsored_click), which counts it at most once per buyer, product and day, and never past the day's budget;
each counted click's price is reported to the store's Stripe subscription as metered usage (billing.usage).

The redirect also carries a signed order reference (``?sp=``, ``order_reference``) naming the store and its
campaign; the store keeps it in a cookie and copies it onto an order placed within ATTRIBUTION_DAYS, and when
that order is paid the store reports it here (``record_sponsored_order``) for the campaign's figures.
"""

import hashlib
import logging
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.usage import report_sponsored_spend
from platform.kit.queueing import send_to_store
from tenants.models import Store

from .models import DirectoryStore, SponsoredCampaign, SponsoredClick, SponsoredDay, SponsoredOrder
from .selectors import forget_running_campaigns

logger = logging.getLogger(__name__)

BILL_TASK = "directory.bill_sponsored_click"
# The query parameter the reference travels in, which the store's middleware takes off the address.
ORDER_REFERENCE_PARAMETER = "sp"
# The store's cookie keeping it until checkout copies it onto the order (storefront.sponsored.middleware).
ORDER_REFERENCE_COOKIE = "mercato_sp"
ORDER_REFERENCE_SALT = "mercato.directory.sponsored-order-reference"
# An order placed this long after the sponsored click still counts for the campaign.
ATTRIBUTION_DAYS = 30


def order_reference(*, store_id: int, campaign_id: int) -> str:
    """The signed reference a sponsored click carries to the store: which store's which campaign, and when."""
    return signing.dumps([store_id, campaign_id], salt=ORDER_REFERENCE_SALT)


def read_order_reference(value: str, *, store_id: int) -> int | None:
    """The campaign (id in the store's schema) ``value`` names, if it was signed here for ``store_id`` within
    ATTRIBUTION_DAYS; None for anything else (forged, expired, or another store's)."""
    try:
        signed_store, campaign_id = signing.loads(value, salt=ORDER_REFERENCE_SALT, max_age=ATTRIBUTION_DAYS * 86400)
        signed_store, campaign_id = int(signed_store), int(campaign_id)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return campaign_id if signed_store == store_id else None


def record_sponsored_order(
    *, store: Store, campaign_id: int, order_id: int, total: Decimal, currency: str, paid_at: datetime
) -> bool:
    """Count the store's paid order for its campaign (once per order); False when the campaign isn't known here."""
    campaign_pk = (
        SponsoredCampaign.objects.filter(store_id=store.pk, campaign_id=campaign_id)
        .values_list("pk", flat=True)
        .first()
    )
    if campaign_pk is None:
        return False
    SponsoredOrder.objects.get_or_create(
        campaign_id=campaign_pk,
        order_id=order_id,
        defaults={"total": total, "currency": currency, "paid_at": paid_at},
    )
    return True


@transaction.atomic
def publish_campaign(
    *,
    store: Store,
    campaign_id: int,
    name: str,
    product_ids: Sequence[int],
    daily_budget: Decimal,
    cost_per_click: Decimal,
    currency: str,
    active: bool,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> SponsoredCampaign:
    """Copy the store's campaign to the directory (create or update); its figures so far are kept.

    ``starts_at``/``ends_at`` bound when it runs (None: open at that end); ``active`` False pauses it."""
    campaign, _ = SponsoredCampaign.objects.select_for_update().update_or_create(
        store_id=store.pk,
        campaign_id=campaign_id,
        defaults={
            "name": name,
            "product_ids": sorted(set(product_ids)),
            "daily_budget": daily_budget,
            "cost_per_click": cost_per_click,
            "currency": currency,
            "active": active,
            "starts_at": starts_at,
            "ends_at": ends_at,
        },
    )
    # This process looks again at once, and again once the campaign is visible to other connections.
    forget_running_campaigns()
    transaction.on_commit(forget_running_campaigns)
    return campaign


@transaction.atomic
def drop_campaign_products(*, store: Store, product_ids: Sequence[int]) -> int:
    """Take products the store deleted out of its campaigns' directory copies; returns how many campaigns held one.

    Their listings are gone already, so nothing showed them; this keeps the copy saying what the store's campaign
    holds (the store's own rows went with the product)."""
    gone = sorted(set(product_ids))
    changed = 0
    for campaign in SponsoredCampaign.objects.select_for_update().filter(store_id=store.pk, product_ids__overlap=gone):
        campaign.product_ids = [product_id for product_id in campaign.product_ids if product_id not in gone]
        campaign.save(update_fields=["product_ids", "updated_at"])
        changed += 1
    if changed:
        forget_running_campaigns()
        transaction.on_commit(forget_running_campaigns)
    return changed


def _day_row(campaign_pk: int, day: date) -> SponsoredDay:
    row, _ = SponsoredDay.objects.get_or_create(campaign_id=campaign_pk, day=day)
    return row


def record_impressions(*, campaign_ids: Sequence[int], day: date) -> None:
    """One more impression for each campaign shown on a results page (a campaign shown twice counts twice)."""
    for campaign_pk in campaign_ids:
        updated = SponsoredDay.objects.filter(campaign_id=campaign_pk, day=day).update(impressions=F("impressions") + 1)
        if not updated:
            with transaction.atomic():
                _day_row(campaign_pk, day)
                SponsoredDay.objects.filter(campaign_id=campaign_pk, day=day).update(impressions=F("impressions") + 1)


def visitor_hashes(*, visitor: str, ip: str, day: date) -> tuple[str, str]:
    """Keyed hashes of the visitor's cookie and IP address for ``day``: comparable within the day, nothing more."""

    def digest(value: str) -> str:
        return hashlib.sha256(f"{settings.SECRET_KEY}:{day.isoformat()}:{value}".encode()).hexdigest()

    return digest(f"visitor:{visitor}"), digest(f"ip:{ip}")


@transaction.atomic
def record_click(*, campaign_pk: int, product_id: int, visitor: str, ip: str) -> SponsoredClick | None:
    """Count a buyer's click and spend its price, or return None when it doesn't count.

    It doesn't count when the campaign is paused, gone or outside its dates, the store isn't listed (suspended,
    closed, opted out), the product left the campaign, the same buyer (by cookie or by IP address) already clicked
    this product of this campaign today, or the day's budget can't pay for it. The campaign row is locked, so two clicks at once
    can neither both be first nor both fit into the last of the budget.
    """
    campaign = SponsoredCampaign.objects.select_for_update().filter(pk=campaign_pk).first()
    if campaign is None or not campaign.active or product_id not in campaign.product_ids:
        return None
    now = timezone.now()
    if (campaign.starts_at is not None and now < campaign.starts_at) or (
        campaign.ends_at is not None and now >= campaign.ends_at
    ):
        return None
    if not DirectoryStore.objects.filter(pk=campaign.store_id, listed=True).exists():
        return None
    today = now.date()
    visitor_hash, ip_hash = visitor_hashes(visitor=visitor, ip=ip, day=today)
    repeated = SponsoredClick.objects.filter(campaign=campaign, product_id=product_id, day=today).filter(
        Q(visitor_hash=visitor_hash) | Q(ip_hash=ip_hash)
    )
    if repeated.exists():
        return None
    spent = campaign.spent_today if campaign.spend_day == today else Decimal(0)
    if spent + campaign.cost_per_click > campaign.daily_budget:
        return None
    click = SponsoredClick.objects.create(
        campaign=campaign, product_id=product_id, day=today, visitor_hash=visitor_hash, ip_hash=ip_hash,
        cost=campaign.cost_per_click,
    )  # fmt: skip
    SponsoredCampaign.objects.filter(pk=campaign.pk).update(
        spend_day=today, spent_today=spent + campaign.cost_per_click
    )
    _day_row(campaign.pk, today)
    SponsoredDay.objects.filter(campaign=campaign, day=today).update(
        clicks=F("clicks") + 1, spend=F("spend") + campaign.cost_per_click
    )
    transaction.on_commit(lambda: _send_bill(click.pk), robust=True)
    return click


def _send_bill(click_pk: int) -> None:
    # A down broker is logged by the robust on-commit; the click waits, unbilled, for the beat's sweep.
    send_to_store(BILL_TASK, schema_name=settings.PUBLIC_SCHEMA_NAME, args=(click_pk,), retry=False)


def bill_click(*, click_pk: int) -> bool:
    """Report a counted click's spend to the store's subscription (once); True when it is now billed."""
    with transaction.atomic():
        click = SponsoredClick.objects.select_for_update().select_related("campaign").filter(pk=click_pk).first()
        if click is None or click.billed_at is not None:
            return click is not None
        report_sponsored_spend(
            store_id=click.campaign.store_id,
            identifier=f"mercato-sponsored-click-{click.pk}",
            amount=click.cost,
            currency=click.campaign.currency,
        )
        SponsoredClick.objects.filter(pk=click.pk).update(billed_at=timezone.now())
    return True


def bill_pending_clicks() -> int:
    """Report every counted click not billed yet (a lost task, Stripe down); returns how many were billed."""
    billed = 0
    for click_pk in SponsoredClick.objects.filter(billed_at=None).order_by("pk").values_list("pk", flat=True):
        try:
            billed += bill_click(click_pk=click_pk)
        except Exception:  # one store's billing problem must not stop the others'
            logger.exception("sponsored: billing click %s failed", click_pk)
    return billed
