"""The drain task: runs in one store's schema (tenant-schemas-celery) and writes that store's listings."""

from celery import Task, shared_task

from platform.kit.queueing import retry_later


@shared_task(name="directory_feed.drain_outbox", acks_late=True, bind=True)
def drain_directory_outbox(self: Task) -> int:
    """Apply the store's pending product changes to the directory; safe to run twice or concurrently."""
    from .services import drain_outbox

    try:
        return drain_outbox()
    except Exception as error:
        # The outbox rows are still there (the batch rolled back); retry, and the beat catches it otherwise.
        raise retry_later(self, error) from error
