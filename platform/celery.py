"""The Celery application; tasks carry the schema of the store they were enqueued for (tenant-schemas-celery).

Every task is a ``ReliableTask``: an error that says "try again later" (the database or the broker unreachable
for a moment, a lost connection, Stripe not answering) retries the task with exponential back-off and jitter
instead of dropping it. Tasks must therefore be safe to run twice; the beat's sweeps pick up whatever still slips
through (docs/architecture.md lists them).
"""

import os

import kombu.exceptions
import redis.exceptions
import stripe
from celery.signals import setup_logging
from django.db import InterfaceError, OperationalError
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask

from platform.kit.queueing import RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS, RETRY_MAX_ATTEMPTS
from platform.kit.request_ids import connect_task_request_ids
from tenants.pods.tasks import connect_pod_aware_schema_switch

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


class ReliableTask(TenantTask):
    """The base of every Mercato task: transient errors retry it with exponential back-off and jitter."""

    abstract = True
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = RETRY_BACKOFF_SECONDS
    retry_backoff_max = RETRY_BACKOFF_MAX_SECONDS
    retry_jitter = True
    max_retries = RETRY_MAX_ATTEMPTS


# Passing the class makes it the base of every task the app makes, @shared_task ones included.
app = CeleryApp("mercato", task_cls=ReliableTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect(weak=False)
def _keep_django_logging(**_: object) -> None:
    """The worker keeps the logging the settings configured (JSON or plain, with request ids) instead of Celery's."""


# Task log lines carry the id of the request that sent the task (task outcomes are counted by platform.apps).
connect_task_request_ids()
# A store's task runs on the database holding its schema: its pod's, or the platform's (tenants/pods/tasks.py).
connect_pod_aware_schema_switch()
