"""Stripe webhooks: store each verified event once, then dispatch it from a task through a handler table.

Extension point for other apps (the buyer checkout in ``storefront/orders/``): events whose object metadata
carries ``mercato_order`` belong to orders, and go to the handlers registered with
``register_handler(event_type, fn, owner="orders")`` instead of billing's own table. Register at app start-up
(``AppConfig.ready``); a handler takes the ``StripeEvent`` and must be idempotent (events can be retried).
Connect events (``account.*``, events with an ``account``) also go to the registered handlers when billing has
none for them. An event nobody handles is marked "ignored", never lost: it stays in the table to replay later.
"""

import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from platform.kit.queueing import send_to_store

from . import services
from .gateway import verify_webhook
from .models import StripeEvent

logger = logging.getLogger(__name__)

# By name: the task module imports this one.
PROCESS_EVENT_TASK = "billing.process_stripe_event"

Handler = Callable[[StripeEvent], None]
# Failures of the database itself rather than of a handler: the task retries them (platform.celery).
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _object(event: StripeEvent) -> dict:
    return event.payload["data"]["object"]


def _sync_subscription(event: StripeEvent) -> None:
    services.sync_subscription(subscription_id=_object(event)["id"])


def _checkout_completed(event: StripeEvent) -> None:
    session = _object(event)
    if session.get("mode") == "subscription" and session.get("subscription"):
        services.sync_subscription(subscription_id=session["subscription"])


def _invoice_changed(event: StripeEvent) -> None:
    invoice = _object(event)
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    if details.get("subscription"):
        services.sync_subscription(subscription_id=details["subscription"])


def _trial_will_end(event: StripeEvent) -> None:
    subscription_id = _object(event)["id"]
    services.sync_subscription(subscription_id=subscription_id)
    services.send_trial_reminder(subscription_id=subscription_id)


# Billing's own events: the store's subscription, re-read from Stripe each time (so any order converges).
HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _sync_subscription,
    "customer.subscription.updated": _sync_subscription,
    "customer.subscription.deleted": _sync_subscription,
    "customer.subscription.trial_will_end": _trial_will_end,
    "invoice.paid": _invoice_changed,
    "invoice.payment_failed": _invoice_changed,
}

# Handlers other apps register: {owner: {event_type: handler}}; "orders" is the buyer checkout's.
REGISTERED: dict[str, dict[str, Handler]] = {"orders": {}, "connect": {}, "marketplace": {}}


def register_handler(event_type: str, handler: Handler, *, owner: str = "orders") -> None:
    """Let another app handle ``event_type``: "orders" for events about an order, "connect" for Connect events,
    "marketplace" for events about a marketplace cart's payment."""
    REGISTERED.setdefault(owner, {})[event_type] = handler


def handler_for(event: StripeEvent) -> Handler | None:
    metadata = _object(event).get("metadata") or {}
    if "mercato_marketplace_checkout" in metadata:
        # The platform site's cart across stores (platform.marketplace): one payment for several stores' orders.
        return REGISTERED.get("marketplace", {}).get(event.type)
    if "mercato_order" in metadata:
        return REGISTERED["orders"].get(event.type)
    if event.account or event.type.startswith("account."):
        return REGISTERED["connect"].get(event.type) or REGISTERED["orders"].get(event.type)
    return HANDLERS.get(event.type)


def record_stripe_event(*, payload: bytes, signature: str) -> tuple[StripeEvent, bool]:
    """Verify and store an event once by its id; returns it and whether it is new (a replay is not)."""
    data = verify_webhook(payload, signature)
    with transaction.atomic():
        event, created = StripeEvent.objects.get_or_create(
            event_id=data["id"],
            defaults={
                "type": data["type"],
                "account": data.get("account") or "",
                "payload": data,
                "stripe_created": data["created"],
            },
        )
        if created:
            # Robust: with Redis down the event is already stored, and the periodic sweep will process it.
            transaction.on_commit(partial(enqueue_processing, event.pk), robust=True)
    return event, created


def enqueue_processing(event_pk: int) -> None:
    """Ask a worker to process the stored event now; with the broker down the minute's sweep does it.

    Run as a robust on-commit callback: a down broker is logged there, and the stored event waits for the sweep.
    """
    send_to_store(PROCESS_EVENT_TASK, schema_name=settings.PUBLIC_SCHEMA_NAME, args=(event_pk,), retry=False)


def process_event(*, event_pk: int, now: datetime | None = None) -> StripeEvent:
    """Run the event's handler once; its outcome (processed, ignored, failed with the error) goes on the row.

    A database error (a lost connection, PostgreSQL refusing connections, a lock timeout) is not the handler's
    fault: nothing the handler did is kept, the attempt is recorded as failed when the database allows it, and
    the error is raised again so the task retries with back-off (platform.celery.ReliableTask).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            event = StripeEvent.objects.select_for_update().get(pk=event_pk)
            if event.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED):
                return event
            event.attempts += 1
            handler = handler_for(event)
            if handler is None:
                event.status, event.error = StripeEvent.Status.IGNORED, ""
            else:
                try:
                    with transaction.atomic():
                        handler(event)
                except DATABASE_ERRORS:
                    # The transaction may be unusable (the connection is gone): let the outer block roll back.
                    raise
                except Exception as error:
                    logger.exception("Stripe event %s (%s) failed", event.event_id, event.type)
                    event.status = StripeEvent.Status.FAILED
                    event.error = _describe(error)
                else:
                    event.status, event.error = StripeEvent.Status.PROCESSED, ""
            event.processed_at = now
            event.save(update_fields=["status", "error", "attempts", "processed_at"])
    except DATABASE_ERRORS as error:
        logger.warning("Stripe event %s: database error, to be retried: %s", event_pk, error)
        _record_database_failure(event_pk=event_pk, error=error, now=now)
        raise
    return event


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(error)).strip()[:2000]


def _record_database_failure(*, event_pk: int, error: BaseException, now: datetime) -> None:
    """Count the attempt on a fresh connection, so an event that keeps failing this way stops being retried."""
    if connection.in_atomic_block:
        return  # the caller's transaction is broken too; it decides what happens next
    try:
        StripeEvent.objects.filter(
            pk=event_pk, status__in=(StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED)
        ).update(status=StripeEvent.Status.FAILED, error=_describe(error), attempts=F("attempts") + 1, processed_at=now)
    except DATABASE_ERRORS:
        # The database is still away; the task's retry (or the sweep, for a "received" event) comes back later.
        logger.warning("Stripe event %s: could not record the failed attempt either", event_pk)


def pending_events(*, now: datetime | None = None, older_than_seconds: int = 60) -> list[int]:
    """Events still to process: never picked up (Redis was down, the task died) or failed with retries left.

    Only events left alone for ``older_than_seconds``: a younger one is still in its own task's hands.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=older_than_seconds)
    received = StripeEvent.objects.filter(status=StripeEvent.Status.RECEIVED, received_at__lte=stale)
    failed = StripeEvent.objects.filter(
        status=StripeEvent.Status.FAILED, attempts__lt=settings.BILLING_EVENT_MAX_ATTEMPTS, processed_at__lte=stale
    )
    return list((received | failed).order_by("stripe_created", "pk").values_list("pk", flat=True))
