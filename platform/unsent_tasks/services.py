"""Sending a task after its transaction commits, and keeping its message when the broker can't take it.

Every ``enqueue_for_store`` sends through ``send_or_keep``: a broker that is down or hung costs the request
that made the change at most one short timeout (CELERY_BROKER_TRANSPORT_OPTIONS), never an error, and after
one failure this process stops trying that broker for a few seconds (``ServerHealth``). The message is then
written to ``UnsentTask`` and sent again by the beat's ``unsent_tasks.resend`` once the broker answers. Tasks
are safe to run twice, so a message sent but not recorded as sent only runs twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context

from platform.kit.queueing import store_headers
from platform.kit.resilient_cache import ServerHealth, server_name

from .models import UnsentTask

logger = logging.getLogger(__name__)

# What a publish raises when the broker (or the Redis result backend it subscribes to) can't be reached.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)
RESEND_BATCH = 100

_brokers: dict[str, ServerHealth] = {}


def _broker_health() -> ServerHealth:
    from platform.celery import app

    url = app.conf.broker_write_url or app.conf.broker_url
    health = _brokers.get(url)
    if health is None:
        health = _brokers.setdefault(
            url,
            ServerHealth(
                f"the task broker at {server_name(url)}",
                meanwhile="keeping task messages in the database for the beat to send",
            ),
        )
    return health


def send_or_keep(
    *, task_name: str, schema_name: str, args: Any = (), kwargs: dict | None = None, publish: Callable[[], object]
) -> bool:
    """Publish with ``publish()``; True if the broker took the message, False if it was kept for the beat to send."""
    kwargs = kwargs or {}
    error: Exception | None = None
    broker = _broker_health()
    if broker.may_call():
        try:
            publish()
        except BROKER_ERRORS as failure:
            broker.failed(failure)
            error = failure
        else:
            broker.answered()
            return True
    _keep(task_name, schema_name, args, kwargs, error)
    return False


def _publish(task_name: str, schema_name: str, args: Any, kwargs: dict) -> None:
    from platform.celery import app

    # As enqueue_for_store sends: no publishing retries (the next resend is the retry), no result.
    app.send_task(
        task_name, args=list(args), kwargs=kwargs, headers=store_headers(schema_name), retry=False,
        ignore_result=True,
    )  # fmt: skip


def _keep(task_name: str, schema_name: str, args: Any, kwargs: dict, error: Exception | None) -> None:
    reason = f"{type(error).__name__}: {error}"[:300] if error else "broker paused after a recent failure"
    try:
        with schema_context(settings.PUBLIC_SCHEMA_NAME):
            UnsentTask.objects.create(
                task=task_name, schema_name=schema_name, args=list(args), kwargs=kwargs, error=reason
            )
    except DatabaseError:
        logger.exception("could not send task %s for %s, nor keep it for later (%s)", task_name, schema_name, reason)
    else:
        logger.info("kept task %s for %s for the beat to send (%s)", task_name, schema_name, reason)


def resend_unsent(*, limit: int = 5000) -> int:
    """Send kept task messages again, oldest first; stops at the first the broker refuses. Returns how many."""
    sent = 0
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        while sent < limit:
            with transaction.atomic():
                batch = list(UnsentTask.objects.select_for_update(skip_locked=True).order_by("id")[:RESEND_BATCH])
                if not batch:
                    break
                done: list[int] = []
                try:
                    for item in batch:
                        _publish(item.task, item.schema_name, item.args, item.kwargs)
                        done.append(item.pk)
                except BROKER_ERRORS:
                    logger.warning("the broker refused a kept task again; %d sent this time", sent + len(done))
                    UnsentTask.objects.filter(pk__in=done).delete()
                    return sent + len(done)
                UnsentTask.objects.filter(pk__in=done).delete()
                sent += len(done)
    if sent:
        logger.info("sent %d task messages kept while the broker was unreachable", sent)
    return sent
