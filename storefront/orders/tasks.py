"""Periodic order work: dispatchers over stores, and per-store tasks that release reservations and send emails."""

from celery import shared_task
from django.utils import timezone

from platform.kit.queueing import send_to_every_store

from .emails import EMAIL_DRAIN_TASK, drain_order_emails
from .payments import release_expired

PER_STORE_TASK = "orders.release_expired_reservations_for_store"


@shared_task(name="orders.release_expired_reservations")
def release_expired_reservations() -> int:
    """Send the per-store release to every store with a schema; returns how many were sent."""
    return send_to_every_store(PER_STORE_TASK)


@shared_task(name=PER_STORE_TASK, acks_late=True)
def release_expired_reservations_for_store() -> int:
    """Release this store's reservations whose time is up; safe to run twice (released orders are skipped)."""
    return release_expired(now=timezone.now())


@shared_task(name="orders.dispatch_order_email_drains")
def dispatch_order_email_drains() -> int:
    """Send the per-store email drain to every store, so emails whose own kick was lost still go out."""
    return send_to_every_store(EMAIL_DRAIN_TASK)


@shared_task(name=EMAIL_DRAIN_TASK, acks_late=True)
def send_order_emails() -> int:
    """Send this store's pending order emails; safe to run twice or at once (rows are claimed, then marked sent)."""
    return drain_order_emails()
