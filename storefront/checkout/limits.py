"""How many new orders one address may start per hour: each holds stock for its reservation time, unpaid."""

from django.conf import settings

from platform.kit import ratelimit

TOO_MANY_ORDERS = (
    "Too many orders were started from your connection in the last hour; please try again later, or contact the store."
)


def allow_new_order(*, client_ip: str) -> bool:
    """Count one new (not resumed) order from this client address; False past the hourly limit.

    The count is per store (the cache key carries the store's schema) and only for orders that would be new, so
    pressing Pay again on the same checkout never counts twice.
    """
    limit = settings.CHECKOUT_NEW_ORDERS_PER_HOUR
    return ratelimit.allow(f"checkout:new-order:{client_ip}", limit=limit, window_seconds=3600)
