"""The Celery application; tasks carry the schema of the store they were enqueued for (tenant-schemas-celery)."""

import functools
import os
from typing import Any

from django.db import transaction
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform.settings")

app = CeleryApp("mercato")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_for_store(task: Any, *, schema_name: str, args: tuple = (), kwargs: dict | None = None) -> None:
    """Send ``task`` to run in the store schema ``schema_name`` once the current transaction commits.

    The schema is bound now, explicitly: tenant-schemas-celery would otherwise read whatever schema the
    connection happens to be on when the commit callback fires.
    """
    send = functools.partial(task.apply_async, args=args, kwargs=kwargs or {}, headers={"_schema_name": schema_name})
    transaction.on_commit(send)
