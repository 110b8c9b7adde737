"""The Celery application; tasks carry the schema of the store they were enqueued for (tenant-schemas-celery).

Every task is a ``ReliableTask``: an error that says "try again later" (the database or the broker unreachable
for a moment, a lost connection, Stripe not answering) retries the task with exponential back-off and jitter
instead of dropping it. Tasks must therefore be safe to run twice; the beat's sweeps pick up whatever still slips
through (docs/architecture.md lists them).
"""

import functools
import os
import random
from typing import Any

import kombu.exceptions
import redis.exceptions
import stripe
from django.db import InterfaceError, OperationalError, transaction
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform.settings")

# Errors that mean "not now" rather than "never": retrying the same task later can succeed.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # PostgreSQL refusing connections (too many clients, restarting), a lost connection, a lock
    InterfaceError,  # a connection closed under the task
    kombu.exceptions.OperationalError,  # the broker unreachable while a task sends another
    redis.exceptions.ConnectionError,  # the cache unreachable
    redis.exceptions.TimeoutError,
    stripe.APIConnectionError,  # Stripe (or the local sandbox) not answering
)
RETRY_BACKOFF_SECONDS = 2
RETRY_BACKOFF_MAX_SECONDS = 300
# 2 + 4 + ... + 256 s: a task rides out about eight minutes of outage before the sweeps take over.
RETRY_MAX_ATTEMPTS = 8


def backoff_seconds(retries: int) -> int:
    """The wait before retry number ``retries + 1``: random in [0, 2 * 2^retries], capped (full jitter).

    Jitter spreads the retries of many tasks that failed together (a database restart) instead of sending them
    back all at once.
    """
    ceiling = min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2**retries)
    return random.randint(0, ceiling)  # noqa: S311 - spreading load, not security


class ReliableTask(TenantTask):
    """The base of every Mercato task: transient errors retry it with exponential back-off and jitter."""

    abstract = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = RETRY_BACKOFF_SECONDS
    retry_backoff_max = RETRY_BACKOFF_MAX_SECONDS
    retry_jitter = True
    max_retries = RETRY_MAX_ATTEMPTS

    def retry_later(self, exc: BaseException | None = None) -> Exception:
        """Retry after the shared back-off, for failures a task recognises itself (``raise self.retry_later(e)``)."""
        return self.retry(exc=exc, countdown=backoff_seconds(self.request.retries))


# Passing the class makes it the base of every task the app makes, @shared_task ones included.
app = CeleryApp("mercato", task_cls=ReliableTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_for_store(task: Any, *, schema_name: str, args: tuple = (), kwargs: dict | None = None) -> None:
    """Send ``task`` to run in the store schema ``schema_name`` once the current transaction commits.

    The schema is bound now, explicitly: tenant-schemas-celery would otherwise read whatever schema the
    connection happens to be on when the commit callback fires.
    """
    send = functools.partial(task.apply_async, args=args, kwargs=kwargs or {}, headers={"_schema_name": schema_name})
    transaction.on_commit(send)
