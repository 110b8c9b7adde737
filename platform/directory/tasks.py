"""The directory's background work: a dispatcher that sends one outbox drain per store; sponsored clicks' billing."""

from celery import shared_task

from platform.kit.queueing import send_to_every_store

DRAIN_TASK = "directory_feed.drain_outbox"


@shared_task(name="directory.dispatch_outbox_drains")
def dispatch_outbox_drains() -> int:
    """Send a drain to every store with a schema, so changes whose own task was lost still arrive.

    Suspended and closed stores are drained too: their listings stay hidden but current, ready for a restore.
    """
    # By name: the public app does not import store code (the task lives in storefront.directory_feed).
    return send_to_every_store(DRAIN_TASK)


@shared_task(name="directory.bill_sponsored_click", ignore_result=True)
def bill_sponsored_click(click_pk: int) -> bool:
    """Report one counted sponsored click's price to its store's subscription (a repeat is a no-op)."""
    from .sponsored import bill_click

    return bill_click(click_pk=click_pk)


@shared_task(name="directory.bill_pending_sponsored_clicks", ignore_result=True)
def bill_pending_sponsored_clicks() -> int:
    """Bill the counted clicks whose own task was lost or failed (Redis, the worker or Stripe down)."""
    from .sponsored import bill_pending_clicks

    return bill_pending_clicks()
