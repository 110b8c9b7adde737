"""Template helpers from reviews: the buyer's order page's review forms, and the store's reputation on every page."""

from django import template

from storefront.orders.models import Order

from ..reputation import Reputation
from ..reputation import store_reputation as load_store_reputation
from ..selectors import ReviewableItem, reviewable_items

register = template.Library()


@register.simple_tag
def order_reviews(order: Order) -> list[ReviewableItem]:
    # The order page belongs to the orders app; a tag lets it show review forms without that view knowing them.
    if order.status in (Order.Status.FULFILLED, Order.Status.DELIVERED):
        return reviewable_items(order)
    if order.status == Order.Status.PARTIALLY_FULFILLED:
        # Only what already arrived in a parcel can be judged.
        sent = set(order.lines.filter(shipment_lines__isnull=False).values_list("variant__product_id", flat=True))
        return [item for item in reviewable_items(order) if item.product_id in sent]
    return []


@register.simple_tag
def store_reputation() -> Reputation:
    # Every store page shows it in the theme's footer; a tag keeps the theme rendering free of orders and reviews.
    return load_store_reputation()
