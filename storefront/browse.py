"""What buyers browse: listing filters and sorting parsed from the query string, and the reads behind them."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import QueryDict

from platform.ids import parse_id

from .catalog.models import Collection, Product, ProductImage, ProductVariant
from .catalog.selectors import products

PAGE_SIZE = 24
SORTS = {
    "title": "Name",
    "price": "Price, low to high",
    "-price": "Price, high to low",
    "newest": "Newest",
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
        sort = params.get("sort", "title")
        page = params.get("page", "1")
        return cls(
            sort=sort if sort in SORTS else "title",
            tag=params.get("tag", "")[:80],
            min_price=_amount(params.get("min_price")),
            max_price=_amount(params.get("max_price")),
            in_stock=params.get("in_stock") == "1",
            query=params.get("q", "").strip()[:100],
            page=number if (number := parse_id(page)) is not None and number < 100_000 else 1,
        )

    def query_string(self, **changes: object) -> str:
        """This listing's query string with ``changes`` applied (page resets unless given)."""
        values = {"sort": self.sort, "tag": self.tag, "min_price": self.min_price, "max_price": self.max_price,
                  "in_stock": "1" if self.in_stock else "", "q": self.query, "page": 1}  # fmt: skip
        values.update(changes)
        pairs = [(key, str(value)) for key, value in values.items() if value not in ("", None, 1) or key == "sort"]
        pairs = [(key, value) for key, value in pairs if not (key == "sort" and value == "title")]
        return "&".join(f"{key}={value}" for key, value in pairs)


def _amount(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def available_now() -> Q:
    """Products with at least one variant a buyer can order now."""
    orderable = Q(track_inventory=False) | Q(stock__gt=0) | Q(continue_selling_when_out_of_stock=True)
    return Q(Exists(ProductVariant.objects.filter(orderable, product=OuterRef("pk"))))


def listed_products(listing: Listing, *, collection: Collection | None = None) -> QuerySet[Product]:
    """Products for a listing page: a card shows the first picture and the lowest price, so only pictures are
    fetched along (one query for the whole page)."""
    result = products(
        query=listing.query,
        tag=listing.tag,
        collection=collection,
        min_price=listing.min_price,
        max_price=listing.max_price,
        sort=listing.sort,
    )
    result = result.prefetch_related(None).prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
    )
    return result.filter(available_now()) if listing.in_stock else result


def paginate(queryset: QuerySet[Product], listing: Listing) -> Page:
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(listing.page)
