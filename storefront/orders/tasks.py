"""Periodic order work: a dispatcher over stores and a per-store task that releases expired reservations."""

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
