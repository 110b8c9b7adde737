"""Billing's background work: process stored Stripe events, sweep up missed ones, enforce grace periods."""

from celery import shared_task

from . import services, webhooks


@shared_task(name="billing.process_stripe_event", ignore_result=True)
def process_stripe_event(event_pk: int) -> str:
    return webhooks.process_event(event_pk=event_pk).status


@shared_task(name="billing.process_pending_events", ignore_result=True)
def process_pending_events() -> int:
    """Process events stored while Redis was down, and retry failed ones (runs every minute)."""
    pending = webhooks.pending_events()
    for event_pk in pending:
        webhooks.process_event(event_pk=event_pk)
    return len(pending)


@shared_task(name="billing.enforce_grace_periods", ignore_result=True)
def enforce_grace_periods() -> int:
    return len(services.enforce_grace_periods())
