"""A store's reputation as its pages show it: rating from visible reviews, orders placed, and how long it has sold."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache

from platform.kit import request_memo
from tenants.connection import connection

# A reputation moves slowly; five minutes of staleness is fine and keeps it off every page's query count.
REPUTATION_SECONDS = 300
_KEY = "storefront:reputation"


@dataclass(frozen=True)
class Reputation:
    rating: Decimal | None
    review_count: int
    order_count: int
    selling_since: datetime | None


def store_reputation() -> Reputation:
    return request_memo.remember(f"{_KEY}:{connection.schema_name}", _load)


def _load() -> Reputation:
    found = cache.get(_KEY)
    if found is None:
        from storefront.orders.models import Order
        from storefront.reviews.selectors import store_rating

        rating = store_rating()
        orders = Order.objects.exclude(status__in=[Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED]).count()
        store = getattr(connection, "tenant", None)
        found = Reputation(rating.average, rating.count, orders, getattr(store, "created_at", None))
        cache.set(_KEY, found, REPUTATION_SECONDS)
    return found
