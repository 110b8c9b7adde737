"""Reads of reviews: a product's and a store's average over visible reviews, an order's reviewable products."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from platform.kit.ids import parse_id
from storefront.orders.models import Order

from .models import ReputationFigures, Review, ReviewReport

# Every reputation figure, the store's rating included, covers this many days back (docs/storefront.md).
WINDOW_DAYS = 365


@dataclass(frozen=True)
class Rating:
    average: Decimal | None  # one decimal place; None when there is no visible review
    count: int


@dataclass(frozen=True)
class ReviewableItem:
    product_id: int
    title: str
    review: Review | None


def _rating(reviews: QuerySet[Review]) -> Rating:
    found = reviews.filter(is_hidden=False).aggregate(average=Avg("rating"), count=Count("id"))
    return _as_rating(found["average"], found["count"])


def _as_rating(average: object, count: int | None) -> Rating:
    if average is None or not count:
        return Rating(average=None, count=0)
    return Rating(average=Decimal(str(average)).quantize(Decimal("0.1"), ROUND_HALF_UP), count=count)


def product_rating(product_id: int) -> Rating:
    return _rating(Review.objects.filter(product_id=product_id))


def product_page_rating_columns() -> dict[str, Callable[[], Subquery]]:
    """The product page query's rating columns (``catalog.selectors.add_product_page_column``): the average and
    number of the product's visible reviews; ``rating_from_page_row`` reads them back as a ``Rating``."""

    def visible() -> QuerySet[Review, Any]:
        return Review.objects.filter(product_id=OuterRef("pk"), is_hidden=False).order_by().values("product_id")

    return {
        "review_average": lambda: Subquery(visible().annotate(value=Avg("rating")).values("value")),
        "review_count": lambda: Subquery(visible().annotate(value=Count("id")).values("value")),
    }


def rating_from_page_row(row: Mapping[str, Any]) -> Rating:
    """The product's rating from a ``product_page_rows`` row, as ``product_rating`` would compute it."""
    return _as_rating(row.get("review_average"), row.get("review_count"))


def store_rating(*, now: datetime | None = None) -> Rating:
    """The current store's average over its visible reviews of the last WINDOW_DAYS (footer, directory, reputation)."""
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    return _rating(Review.objects.filter(created_at__gte=since))


def counted_reviews(*, now: datetime | None = None) -> QuerySet[Review]:
    """The reviews ``store_rating`` averages, oldest first."""
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    found = Review.objects.filter(is_hidden=False, created_at__gte=since, created_at__lte=now or timezone.now())
    return found.select_related("product").order_by("created_at", "id")


def visible_reviews(product_id: int) -> QuerySet[Review]:
    return Review.objects.filter(product_id=product_id, is_hidden=False)


def reviews(*, hidden: bool | None = None) -> QuerySet[Review]:
    found = Review.objects.select_related("product")
    return found if hidden is None else found.filter(is_hidden=hidden)


def review_by_id(review_id: str) -> Review | None:
    pk = parse_id(review_id)
    return Review.objects.filter(pk=pk).first() if pk is not None else None


def reviewable_items(order: Order) -> list[ReviewableItem]:
    """One entry per product of the order (in line order), with the buyer's review of it if there is one."""
    written = {review.product_id: review for review in Review.objects.filter(order=order)}
    items: dict[int, ReviewableItem] = {}
    for line in order.lines.select_related("variant__product").order_by("id"):
        product = line.variant.product if line.variant else None
        if product is not None and product.pk not in items:
            items[product.pk] = ReviewableItem(product.pk, product.title, written.get(product.pk))
    return list(items.values())


def open_report_review_ids() -> set[int]:
    """The reviews waiting for the platform's decision on the seller's report."""
    return set(ReviewReport.objects.filter(status=ReviewReport.Status.OPEN).values_list("review_id", flat=True))


def kept_figures() -> ReputationFigures | None:
    """The reputation as last computed (None before the first refresh)."""
    return ReputationFigures.objects.filter(pk=1).first()
