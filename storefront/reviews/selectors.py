"""Reads of reviews: a product's and a store's average over visible reviews, an order's reviewable products."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, QuerySet

from platform.kit.ids import parse_id
from storefront.orders.models import Order

from .models import Review


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
    average = found["average"]
    if average is None:
        return Rating(average=None, count=0)
    return Rating(average=Decimal(str(average)).quantize(Decimal("0.1"), ROUND_HALF_UP), count=found["count"])


def product_rating(product_id: int) -> Rating:
    return _rating(Review.objects.filter(product_id=product_id))


def store_rating() -> Rating:
    """The current store's average over all its visible reviews (for the directory, later)."""
    return _rating(Review.objects.all())


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
