"""What buyers browse: listing filters and sorting parsed from the query string, and the reads behind them."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value, Window
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from platform.kit.ids import parse_id
from platform.kit.money import AMOUNT_LIMIT, format_money, parse_amount

from .catalog.models import Collection, Product, ProductImage, ProductVariant, Tag
from .catalog.selectors import RELEVANCE, card_rows, collections, cover_pictures, products, shown_title
from .page_cache import content_version
from .promotions.models import Promotion
from .promotions.selectors import describe_offer, product_offers, promoted_prices
from .themes.rendering import per_content_version
from .themes.selectors import store_currency

PAGE_SIZE = 24
SORTS = {
    RELEVANCE: _("Best match"),
    "title": _("Name"),
    "price": _("Price, low to high"),
    "-price": _("Price, high to low"),
    "newest": _("Newest"),
}


@dataclass(frozen=True)
class Listing:
    """A buyer's choice of sort and filters; bad values are ignored rather than answered with an error."""

    sort: str = "title"
    tag: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    query: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params: QueryDict) -> "Listing":
        query = params.get("q", "").strip()[:100]
        # A search is ordered by relevance unless the buyer picks another order; a plain listing by name.
        default = RELEVANCE if query else "title"
        sort = params.get("sort") or default
        page = params.get("page", "1")
        return cls(
            sort=sort if sort in SORTS and (query or sort != RELEVANCE) else default,
            tag=params.get("tag", "")[:80],
            min_price=_amount(params.get("min_price")),
            max_price=_amount(params.get("max_price")),
            in_stock=params.get("in_stock") == "1",
            query=query,
            page=number if (number := parse_id(page)) is not None and number < 100_000 else 1,
        )

    def query_string(self, **changes: object) -> str:
        """This listing's query string with ``changes`` applied (page resets unless given)."""
        values: dict[str, object] = {"sort": self.sort, "tag": self.tag, "min_price": self.min_price, "max_price": self.max_price,
                  "in_stock": "1" if self.in_stock else "", "q": self.query, "page": 1}  # fmt: skip
        values.update(changes)
        pairs = [(key, str(value)) for key, value in values.items() if value not in ("", None, 1) or key == "sort"]
        default = RELEVANCE if values["q"] else "title"
        pairs = [(key, value) for key, value in pairs if not (key == "sort" and value == default)]
        return "&".join(f"{key}={value}" for key, value in pairs)

    @property
    def sorts(self) -> dict[str, str]:
        """The orders a buyer may pick: "Best match" only for a search."""
        # In the language of the page asking: the labels are translated when read, not when this module loads.
        return {key: str(label) for key, label in SORTS.items() if self.query or key != RELEVANCE}


def _amount(raw: str | None) -> Decimal | None:
    """A price filter from the address; one the money parser refuses is left out rather than guessed at."""
    if not raw:
        return None
    try:
        value = parse_amount(raw, currency=store_currency(), label="Price filter")
    except ValidationError:
        return None
    # Past the largest price a column holds, the comparison itself would overflow PostgreSQL's numeric.
    return value if 0 <= value < AMOUNT_LIMIT else None


def available_now() -> Q:
    """Products with at least one variant a buyer can order now."""
    orderable = Q(track_inventory=False) | Q(stock__gt=0) | Q(continue_selling_when_out_of_stock=True)
    return Q(Exists(ProductVariant.objects.filter(orderable, product=OuterRef("pk"))))


def listed_products(listing: Listing, *, collection: Collection | None = None) -> QuerySet[Product, Mapping[str, Any]]:
    """Card rows (``catalog.selectors.card_rows``) of the products a listing shows, in its order: one query for a
    page of them, pictures included."""
    result = products(
        query=listing.query,
        tag=listing.tag,
        collection=collection,
        min_price=listing.min_price,
        max_price=listing.max_price,
        sort=listing.sort,
    )
    if listing.in_stock:
        result = result.filter(available_now())
    return card_rows(result)


def paginate(queryset: QuerySet[Product, Mapping[str, Any]], listing: Listing, *, count: int | None = None) -> Page:
    """The listing's page of ``queryset`` in one query: ``count``, when the caller already knows it, or else
    counted by the page's own query (``COUNT(*) OVER ()``) rather than by a COUNT query of its own.

    Only a page past the end (an old link, a typed number) costs a COUNT and a second read, for the last page.
    """
    paginator = Paginator(queryset, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: setting it is what Paginator would have computed
        return paginator.get_page(listing.page)
    start = (listing.page - 1) * PAGE_SIZE
    rows = list(queryset.annotate(listing_total=Window(Count("*")))[start : start + PAGE_SIZE])
    if not rows:
        return paginator.get_page(listing.page)  # empty listing, or past its end: Paginator's own rules
    paginator.count = rows[0]["listing_total"]
    return Page(rows, listing.page, paginator)


def card_lists(
    lists: Mapping[str, tuple[QuerySet[Product, Any], int | None]], currency: str
) -> dict[str, list[dict[str, str]]]:
    """The cards of several product lists (``{name: (products, how many at most)}``) in two queries whatever their
    number: one ``UNION ALL`` of every list's rows, each in its own order, and one for all their pictures."""
    parts = []
    for section, (found, limit) in enumerate(lists.values()):
        ordering = [_order_by(name) for name in found.query.order_by or Product._meta.ordering or ()]
        rows = card_rows(found).annotate(section=Value(section), rank=Window(RowNumber(), order_by=ordering))
        parts.append(rows[:limit] if limit is not None else rows)
    if not parts:
        return {}
    combined = parts[0].union(*parts[1:], all=True).order_by("section", "rank") if len(parts) > 1 else parts[0]
    cards = product_cards(combined, currency)
    by_section: dict[int, list[dict[str, str]]] = {}
    for card in cards:
        by_section.setdefault(int(card.pop("section")), []).append(card)
    return {name: by_section.get(section, []) for section, name in enumerate(lists)}


def _order_by(name: object) -> OrderBy:
    if isinstance(name, OrderBy):
        return name
    text = str(name)
    return F(text[1:]).desc() if text.startswith("-") else F(text).asc()


def product_cards(rows: Iterable[Mapping[str, Any]], currency: str) -> list[dict[str, str]]:
    """What each card of a product list prints, worked out once in Python from ``card_rows``: the product's link,
    its price in the store's currency after running promotions (with the price before and the promotion's name),
    the offers it is in that change no unit price ("Buy 2, get 1 free") and its first picture's address (the
    thumbnail, else the picture, else none).

    Card templates then only print strings: a filter, a model property or a file field per card would cost more
    than the rest of the page.
    """
    rows = list(rows)
    pictures = cover_pictures([row["id"] for row in rows])
    # Running promotions price every list the way checkout will (docs/promotions.md).
    promoted = promoted_prices(((row["id"], row["price"]) for row in rows), currency=currency)
    # Buy X get Y and quantity tiers change no price of one unit, so a card says them instead; free shipping is
    # the whole store's, said on the product page and in the cart rather than on every card.
    offers = product_offers(row["id"] for row in rows)
    storage = ProductImage._meta.get_field("image").storage
    cards = []
    for row in rows:
        image, thumbnail = pictures.get(row["id"], ("", ""))
        picture = thumbnail or image
        deal = promoted[row["id"]]
        card = {
            "title": shown_title(row),
            "url": f"/products/{row['slug']}/",
            "price": format_money(deal.unit_price, currency),
            "was": format_money(row["price"], currency) if deal.applied else "",
            "promotion": deal.label,
            "ends_at": _iso(deal.ends_at) if deal.applied else "",
            "image_url": storage.url(picture) if picture else "",
            "offers": " · ".join(
                describe_offer(offer, currency)
                for offer in offers.get(row["id"], [])
                if offer.kind != Promotion.Kind.FREE_SHIPPING
            ),
        }
        if "section" in row:
            card["section"] = str(row["section"])
        cards.append(card)
    return cards


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def filter_lists() -> dict[str, list]:
    """The tag and collection lists of the listing filters: kept in Redis under the store's content version,
    which every change to the catalog moves on. Collections carry every language's text (see
    ``collection_in_page_language``)."""
    key = f"storefront:filters:{content_version()}"

    def load() -> dict[str, list]:
        found = cache.get(key)
        if found is None:
            found = {
                "tags": list(Tag.objects.order_by("name")[:50]),
                "collections": list(collections().prefetch_related("translations")[:50]),
            }
            cache.set(key, found, 3600)
        return found

    return per_content_version("filters", load)
