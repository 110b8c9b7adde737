"""The directory's periodic work: a dispatcher that sends one outbox drain per store."""

from celery import shared_task
from django.conf import settings

from platform.celery import app
from tenants.models import Store

DRAIN_TASK = "directory_feed.drain_outbox"


@shared_task(name="directory.dispatch_outbox_drains")
def dispatch_outbox_drains() -> int:
    """Send a drain to every store with a schema, so changes whose own task was lost still arrive.

    Suspended and closed stores are drained too: their listings stay hidden but current, ready for a restore.
    """
    schema_names = Store.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).values_list("schema_name", flat=True)
    count = 0
    for schema_name in schema_names.iterator():
        # By name: the public app does not import store code (the task lives in storefront.directory_feed).
        app.send_task(DRAIN_TASK, headers={"_schema_name": schema_name})
        count += 1
    return count
