"""Periodic order work: dispatchers over stores, and per-store tasks that release reservations and send emails."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from platform.celery import app
from tenants.models import Store

PER_STORE_TASK = "orders.release_expired_reservations_for_store"


@shared_task(name="orders.release_expired_reservations")
def release_expired_reservations() -> int:
    """Send the per-store release to every store with a schema; returns how many were sent."""
    schema_names = Store.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).values_list("schema_name", flat=True)
    count = 0
    for schema_name in schema_names.iterator():
        app.send_task(PER_STORE_TASK, headers={"_schema_name": schema_name})
        count += 1
    return count


@shared_task(name=PER_STORE_TASK, acks_late=True)
def release_expired_reservations_for_store() -> int:
    """Release this store's reservations whose time is up; safe to run twice (released orders are skipped)."""
    from .payments import release_expired

    return release_expired(now=timezone.now())


EMAIL_DRAIN_TASK = "orders.send_order_emails"


@shared_task(name="orders.dispatch_order_email_drains")
def dispatch_order_email_drains() -> int:
    """Send the per-store email drain to every store, so emails whose own kick was lost still go out."""
    schema_names = Store.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).values_list("schema_name", flat=True)
    count = 0
    for schema_name in schema_names.iterator():
        app.send_task(EMAIL_DRAIN_TASK, headers={"_schema_name": schema_name})
        count += 1
    return count


@shared_task(name=EMAIL_DRAIN_TASK, acks_late=True)
def send_order_emails() -> int:
    """Send this store's pending order emails; safe to run twice or at once (rows are claimed, then marked sent)."""
    from .emails import drain_order_emails

    return drain_order_emails()
