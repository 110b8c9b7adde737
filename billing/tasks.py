"""Billing's background work: process stored Stripe events, sweep up missed ones, enforce grace periods."""

from celery import Task, shared_task
from django.conf import settings

from platform.kit.queueing import retry_later

from . import services, webhooks
from .models import StripeEvent


@shared_task(name="billing.process_stripe_event", bind=True, ignore_result=True)
def process_stripe_event(self: Task, event_pk: int) -> str:
    """Process one stored event; a database error is retried by the task class, a failed handler here."""
    event = webhooks.process_event(event_pk=event_pk)
    if event.status == StripeEvent.Status.FAILED and event.attempts < settings.BILLING_EVENT_MAX_ATTEMPTS:
        # Stripe unreachable, a row locked too long...: the same event often goes through a little later.
        raise retry_later(self)
    return event.status


@shared_task(name="billing.process_pending_events", ignore_result=True)
def process_pending_events() -> int:
    """Re-queue events that slipped through: stored while Redis was down, their task lost, or failed with
    attempts left (beat, every minute). Each gets its own task, so one event's trouble holds up no other."""
    pending = webhooks.pending_events()
    for event_pk in pending:
        webhooks.enqueue_processing(event_pk)
    return len(pending)


@shared_task(name="billing.enforce_grace_periods", ignore_result=True)
def enforce_grace_periods() -> int:
    """Suspend the stores past due for longer than the grace period (beat, hourly)."""
    return len(services.enforce_grace_periods())
