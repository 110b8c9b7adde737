"""The reviews' background work, in the store the task was sent to: the reputation refresh, a moderator's ruling;
and the beat's dispatcher that sends every store its scheduled refresh."""

from celery import shared_task

from platform.kit.queueing import send_to_every_store

from . import reputation, services


@shared_task(name="reviews.dispatch_reputation_refreshes")
def dispatch_reputation_refreshes() -> int:
    """Send each store its own reputation refresh, so figures follow the clock (an order passing its handling
    time unsent, events leaving the window) without waiting for a new event; returns how many were sent."""
    return send_to_every_store(reputation.REFRESH_TASK)


@shared_task(name=reputation.REFRESH_TASK, ignore_result=True, acks_late=True)
def refresh_reputation() -> None:
    """Safe to run twice: it recomputes from the events, whatever ran before."""
    reputation.clear_pending_refresh()
    reputation.refresh_reputation()


@shared_task(name=services.APPLY_RULING_TASK, ignore_result=True, acks_late=True)
def apply_moderation_ruling(report_id: int, status: str, reason: str) -> None:
    """Safe to run twice: a report already decided is left as it is."""
    services.apply_moderation_ruling(report_id=report_id, status=status, reason=reason)
