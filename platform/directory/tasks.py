"""The directory's periodic work: a dispatcher that sends one outbox drain per store."""

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
