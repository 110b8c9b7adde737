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


class _SendOrKeep(functools.partial):
    """``task.apply_async(...)``, run after the commit: when the broker can't take the message, it is kept in the
    database for the beat to send (platform.unsent_tasks) rather than raised into the request that committed."""

    def __call__(self) -> None:
        from platform.unsent_tasks.services import send_or_keep

        options = self.keywords
        send_or_keep(
            task_name=self.func.__self__.name,
            schema_name=options["headers"]["_schema_name"],
            args=options["args"],
            kwargs=options["kwargs"],
            publish=super().__call__,
        )


def enqueue_for_store(task: Any, *, schema_name: str, args: tuple = (), kwargs: dict | None = None) -> None:
    """Send ``task`` to run in the store schema ``schema_name`` once the current transaction commits.

    The schema is bound now, explicitly: tenant-schemas-celery would otherwise read whatever schema the
    connection happens to be on when the commit callback fires. A broker that is down or hung never fails the
    change that asked for the task: its message is kept and sent again once the broker is back.
    """
    # No publishing retries (the beat's resend is the retry) and no result: nobody reads these tasks' results,
    # and asking for one makes the sender subscribe to the result backend first, one more call that can hang.
    send = _SendOrKeep(
        task.apply_async, args=tuple(args), kwargs=dict(kwargs or {}), headers={"_schema_name": schema_name},
        retry=False, ignore_result=True,
    )  # fmt: skip
    transaction.on_commit(send)
