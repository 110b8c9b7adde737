"""The directory learns of promoted prices that start or end on their own: a dispatcher and a per-store sweep."""

from celery import shared_task

from platform.kit.queueing import send_to_every_store

PER_STORE_TASK = "promotions.feed_price_boundaries"


@shared_task(name="promotions.dispatch_price_boundaries")
def dispatch_price_boundaries() -> int:
    """Send the per-store sweep to every store with a schema; returns how many were sent."""
    return send_to_every_store(PER_STORE_TASK)


@shared_task(name=PER_STORE_TASK, acks_late=True)
def feed_price_boundaries() -> int:
    """Queue the directory update of this store's products whose promotion started or ended since the last sweep;
    safe to run twice or at once (the sweep's mark row is locked and moves forward only)."""
    from .services import record_price_boundaries

    return record_price_boundaries()
