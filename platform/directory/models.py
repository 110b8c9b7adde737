"""The directory's public-schema tables: one listing per listable product, one card per store, a word list."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Func, IntegerField, TextField
from django.db.models.functions import Mod
from django.db.models.lookups import Exact

# Weights of the relevance ranking: a word in the title counts most, one in the description least.
SEARCH_CONFIG = "english"
# The SQL function (migration 0003) that spells each run of CJK characters out as its single characters and pairs,
# so "手工陶瓷茶杯" is found by 茶杯, 陶瓷 or 茶 (docs/directory.md, "Chinese, Japanese and Korean").
SEARCH_TEXT_FUNCTION = "directory_search_text"
# One listing in SAMPLE_MOD, chosen by a hash of its id (so not by store, age or position in the table), is also
# in a small sample index; a very broad search estimates its total and facet counts from it (see selectors).
SAMPLE_MOD = 32
SAMPLE_SQL = f"mod(hashint8(l.id), {SAMPLE_MOD}) = 0"


def _search_text(column: str) -> Func:
    return Func(F(column), function=SEARCH_TEXT_FUNCTION, output_field=TextField())


class DirectoryStore(models.Model):
    """A store as the directory shows it; written by platform.directory.services only."""

    store_id = models.BigIntegerField(primary_key=True)
    slug = models.CharField(max_length=63, unique=True)
    name = models.CharField(max_length=100)
    tagline = models.CharField(max_length=140, blank=True)
    logo_url = models.CharField(max_length=500, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    # No reviews yet; the card shows a rating once stores have one.
    rating = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    # The store's reputation as its own schema computed it (storefront.reviews.reputation), fed by
    # platform.directory.services.write_reputation; None where the store's window holds nothing to count.
    review_count = models.PositiveIntegerField(default=0)
    on_time_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    median_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    cancellation_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    reputation_at = models.DateTimeField(null=True, blank=True)
    # Paid orders of the last RECENT_SALES_DAYS days, not cancelled, as the store counted them (fed with the
    # reputation); the store score blends both (platform.directory.ranking) and every listing copies it.
    recent_orders = models.PositiveIntegerField(default=0, db_default=0)
    # The lowest price of the store's flat and weight shipping rates, whatever the zone, in its currency: the "shipping
    # from" its offers of an item several stores sell show. None when it has none (nothing to ship, or only rates
    # free above a subtotal). Fed by storefront.directory_feed whenever a rate or a zone changes.
    shipping_from = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    store_score = models.FloatField(default=0.0, db_default=0.0)
    product_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20)
    # The seller's choices: leave the directory altogether, or keep out-of-stock products out of it.
    opted_out = models.BooleanField(default=False)
    hide_out_of_stock = models.BooleanField(default=False)
    # status == active and not opted_out; every listing of the store copies it into Listing.visible.
    listed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="directory_store_name_trgm")]

    def __str__(self) -> str:
        return self.slug


class Listing(models.Model):
    """One product of one store, denormalized so a search never joins or reads a store's schema."""

    store_id = models.BigIntegerField()
    product_id = models.BigIntegerField()
    store_slug = models.CharField(max_length=63)
    store_name = models.CharField(max_length=100)
    product_slug = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    # Plain text (HTML stripped), cut to DESCRIPTION_CHARS: enough for matching and a highlighted snippet.
    description = models.TextField(blank=True)
    # Lower-cased tag names: the category facet.
    tags = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    tags_text = models.TextField(blank=True)
    # The price a buyer pays now: the promoted one while a store's promotion runs (search sorts and filters by it).
    price = models.DecimalField(max_digits=12, decimal_places=2)
    # While a promotion runs: the product's usual price (shown struck through) and the promotion's name.
    list_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    promotion_name = models.CharField(max_length=300, blank=True, default="")
    currency = models.CharField(max_length=3, default="USD")
    image_url = models.CharField(max_length=500, blank=True)
    in_stock = models.BooleanField(default=True)
    # The product's GTIN as 14 digits ("" when the seller gave none).
    gtin = models.CharField(max_length=14, blank=True, default="", db_default="")
    # Listings with the same key are the same item sold by several stores, shown as one result (ranking.group_key:
    # the GTIN, else a conservative normalized title, both within one currency); "" groups with nothing.
    group_key = models.CharField(max_length=260, blank=True, default="", db_default="")
    # The store's score (0..1, from its reputation and recent sales), copied from its card: the ranking multiplies
    # text relevance by it without a join (platform.directory.ranking).
    store_score = models.FloatField(default=0.0, db_default=0.0)
    # What a search may return: the store is listed and (in stock, or the store shows out-of-stock products).
    visible = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    search = models.GeneratedField(
        expression=SearchVector(_search_text("title"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_search_text("tags_text"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_search_text("store_name"), weight="C", config=SEARCH_CONFIG)
        + SearchVector(_search_text("description"), weight="D", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    DESCRIPTION_CHARS = 1000

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store_id", "product_id"], name="directory_listing_store_product")
        ]
        indexes = [
            # Partial indexes: only visible rows are ever searched, and hidden ones then cost no index space.
            # One GIN index over the text and the tags: a search with a category filter intersects both inside
            # the index instead of reading every text match from the table (it also serves tags alone).
            GinIndex(fields=["search", "tags"], name="directory_listing_text_tags", condition=models.Q(visible=True)),
            # The same over a fixed 1-in-SAMPLE_MOD sample of the listings (SAMPLE_SQL): broad-query estimates.
            GinIndex(
                fields=["search", "tags"],
                name="directory_listing_sample",
                condition=models.Q(visible=True)
                & models.Q(Exact(Mod(Func(F("id"), function="hashint8"), SAMPLE_MOD, output_field=IntegerField()), 0)),
            ),
            GinIndex(
                fields=["title"],
                opclasses=["gin_trgm_ops"],
                name="directory_listing_title_trgm",
                condition=models.Q(visible=True),
            ),
            # Exact price and newest orders walk these (the id breaks ties, as the ORDER BY does).
            models.Index(fields=["price", "id"], name="directory_listing_price", condition=models.Q(visible=True)),
            models.Index(
                fields=["-created_at", "-id"], name="directory_listing_newest_id", condition=models.Q(visible=True)
            ),
            # The other offers of a page's grouped results ("sold by 3 stores").
            models.Index(
                fields=["group_key"],
                name="directory_listing_group",
                condition=models.Q(visible=True) & ~models.Q(group_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_slug}/{self.product_slug}"


class SearchTerm(models.Model):
    """A word seen in a title, tag or store name; a misspelt query word is corrected to its nearest term.

    Terms are never deleted: a stale one at worst suggests a word that then finds nothing.
    """

    word = models.CharField(max_length=64, primary_key=True)

    class Meta:
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="directory_term_trgm")]

    def __str__(self) -> str:
        return self.word


# --- Sponsored placement ------------------------------------------------------------------------------------------


class SponsoredCampaign(models.Model):
    """A store's campaign as the directory runs it: which of its products, the daily budget and the price per click.

    Written by platform.directory.sponsored only: ``publish_campaign`` (from the store's dashboard) and the click
    counter. Money is in ``currency``, the store's subscription's, on whose invoice the spend is billed.
    """

    store_id = models.BigIntegerField()
    # The campaign's id in the store's own schema (storefront.sponsored.Campaign).
    campaign_id = models.BigIntegerField()
    name = models.CharField(max_length=100)
    product_ids = ArrayField(models.BigIntegerField(), default=list)
    daily_budget = models.DecimalField(max_digits=12, decimal_places=2)
    cost_per_click = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    active = models.BooleanField(default=True)
    # The store's window for the campaign (empty: open at that end); outside it nothing shows or counts.
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # The UTC day ``spent_today`` counts; a click on a later day starts it again from zero.
    spend_day = models.DateField(null=True, blank=True)
    spent_today = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store_id", "campaign_id"], name="directory_sponsored_store_campaign"),
            models.CheckConstraint(condition=models.Q(cost_per_click__gt=0), name="directory_sponsored_cpc_gt_0"),
            models.CheckConstraint(
                condition=models.Q(daily_budget__gte=F("cost_per_click")), name="directory_sponsored_budget_gte_cpc"
            ),
        ]
        indexes = [models.Index(fields=["store_id"], name="directory_sponsored_store", condition=models.Q(active=True))]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.campaign_id} {self.name}"


class SponsoredDay(models.Model):
    """A campaign's figures for one UTC day: results shown, clicks counted, money spent."""

    campaign = models.ForeignKey(SponsoredCampaign, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    spend = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="directory_sponsored_day")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day}"


class SponsoredClick(models.Model):
    """A counted click on a sponsored result: once per buyer (cookie or IP) per product per campaign per day.

    Only hashes of the visitor's cookie and IP address are kept (with the secret key and the day), never either.
    ``billed_at``: when its spend was reported to Stripe's meter (once: the click's id is the event's identifier).
    """

    campaign = models.ForeignKey(SponsoredCampaign, on_delete=models.CASCADE, related_name="clicks")
    product_id = models.BigIntegerField()
    day = models.DateField()
    visitor_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64)
    cost = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    billed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["campaign", "product_id", "day"], name="directory_sponsored_click_day"),
            models.Index(fields=["id"], name="directory_sponsored_unbilled", condition=models.Q(billed_at=None)),
        ]

    def __str__(self) -> str:
        return f"click {self.pk} on {self.campaign_id}"


class SponsoredOrder(models.Model):
    """An order a store was paid for after a buyer came through one of its sponsored clicks (once per order).

    Written by platform.directory.sponsored.record_sponsored_order, called by the store when the order is paid;
    the total is the order's, in the order's currency (which may differ from the campaign's billing currency).
    """

    campaign = models.ForeignKey(SponsoredCampaign, on_delete=models.CASCADE, related_name="orders")
    # The order's id in the store's own schema.
    order_id = models.BigIntegerField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order_id"], name="directory_sponsored_order_once"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} from {self.campaign_id}"
