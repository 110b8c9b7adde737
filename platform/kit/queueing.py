"""Sending Celery tasks to the store they are for: the schema travels in a header (tenant-schemas-celery)."""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from typing import Any

from celery import Task, current_app
from django.apps import apps
from django.conf import settings
from django.db import transaction

from platform.kit.request_ids import TASK_HEADER as REQUEST_ID_TASK_HEADER
from platform.kit.request_ids import current_request_id

logger = logging.getLogger(__name__)

# The message header tenant-schemas-celery reads to switch the worker's connection to a store's schema.
SCHEMA_HEADER = "_schema_name"


def store_headers(schema_name: str) -> dict[str, str]:
    """The headers of a task sent to ``schema_name``: its store, and the id of the request (or task) sending it."""
    headers = {SCHEMA_HEADER: schema_name}
    request_id = current_request_id.get()
    if request_id:
        headers[REQUEST_ID_TASK_HEADER] = request_id
    return headers


def _sender(task: str | Any, *, schema_name: str, args: tuple, kwargs: dict | None, **options: Any) -> Any:
    """The call that sends ``task`` (a task, or a registered task's name) to ``schema_name``, not yet made."""
    send = dict(args=args, kwargs=kwargs or {}, headers=store_headers(schema_name), **options)
    if isinstance(task, str):
        return functools.partial(current_app.send_task, task, **send)
    return functools.partial(task.apply_async, **send)


def send_to_store(
    task: str | Any, *, schema_name: str, args: tuple = (), kwargs: dict | None = None, **options: Any
) -> None:
    """Send ``task`` (a task, or a registered task's name) to run in the store schema ``schema_name`` now.

    By name, public-schema code can start a store's task, and a service the task it starts, without importing it.
    """
    _sender(task, schema_name=schema_name, args=args, kwargs=kwargs, **options)()


# Who keeps a message the broker could not take, for the beat to send later: platform.unsent_tasks registers it at
# start-up. It is called as ``keeper(task_name=, schema_name=, args=, kwargs=, publish=)`` and publishes itself.
_keepers: list[Callable[..., object]] = []


def keep_unsent_messages_with(keeper: Callable[..., object]) -> None:
    _keepers[:] = [keeper]


class _SendOrKeep(functools.partial):
    """The send ``enqueue_for_store`` defers to the commit: published, or, when the broker can't take it, kept.

    A partial of the real send, so what a test captures with the on-commit callbacks is still the call itself.
    """

    def __call__(self, /, *args: Any, **keywords: Any) -> Any:
        if not _keepers:
            return super().__call__(*args, **keywords)
        options = self.keywords
        task_name = self.args[0] if self.args else self.func.__self__.name  # type: ignore[attr-defined]  # a bound apply_async
        return _keepers[0](
            task_name=task_name,
            schema_name=options["headers"][SCHEMA_HEADER],
            args=options["args"],
            kwargs=options["kwargs"],
            publish=lambda: super(_SendOrKeep, self).__call__(*args, **keywords),
        )


def enqueue_for_store(task: str | Any, *, schema_name: str, args: tuple = (), kwargs: dict | None = None) -> None:
    """Send ``task`` to run in the store schema ``schema_name`` once the current transaction commits.

    The schema is bound now, explicitly: tenant-schemas-celery would otherwise read whatever schema the
    connection happens to be on when the commit callback fires. A broker that is down or hung never fails the
    change that asked for the task: its message is kept and sent again once the broker is back.
    """
    # No publishing retries (the beat's resend is the retry) and no result: nobody reads these tasks' results,
    # and asking for one makes the sender subscribe to the result backend first, one more call that can hang.
    send = _sender(
        task, schema_name=schema_name, args=tuple(args), kwargs=dict(kwargs or {}), retry=False, ignore_result=True
    )
    transaction.on_commit(_SendOrKeep(send.func, *send.args, **send.keywords))


def send_now_or_keep(task: str | Any, *, schema_name: str, args: tuple = (), kwargs: dict | None = None) -> bool:
    """Send ``task`` to ``schema_name`` now, for a change already committed (a command's last step); True when the
    broker took it, False when it was kept for the beat to send once the broker is back, so the caller can say so.
    """
    send = _sender(
        task, schema_name=schema_name, args=tuple(args), kwargs=dict(kwargs or {}), retry=False, ignore_result=True
    )
    sent = _SendOrKeep(send.func, *send.args, **send.keywords)()
    return sent is not False  # the keeper's False: kept; without a keeper, the published message


def nudge_store(task: str | Any, *, schema_name: str, what: str, args: tuple = ()) -> bool:
    """Ask a worker to run ``task`` for ``schema_name`` soon; False, logged as ``what``, when the broker is unreachable.

    For work whose state is already safe in the database (an outbox row, a stored event): a request must not
    hang on a down broker, and the periodic sweep that drains the same state runs it later instead.
    """
    try:
        # No publishing retries and no result: asking for one subscribes to the result store first, one more
        # call that can hang on the same down Redis.
        send_to_store(task, schema_name=schema_name, args=args, retry=False, ignore_result=True)
    except Exception:
        logger.warning("could not send %s for %s; the periodic sweep will", what, schema_name, exc_info=True)
        return False
    return True


def store_schema_names() -> list[str]:
    """Every store schema, suspended and closed ones included (their periodic work still has to run)."""
    store_model = apps.get_model(settings.TENANT_MODEL)
    stores = store_model.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
    return list(stores.order_by("schema_name").values_list("schema_name", flat=True))


def send_to_every_store(task_name: str) -> int:
    """The one per-store fan-out: send ``task_name`` once to each store's schema; returns how many were sent."""
    schema_names = store_schema_names()
    for schema_name in schema_names:
        send_to_store(task_name, schema_name=schema_name)
    return len(schema_names)


# Every task's retries (platform/celery.py's ReliableTask): 2 + 4 + ... + 256 s, so a task rides out about eight
# minutes of outage before the periodic sweeps take over.
RETRY_BACKOFF_SECONDS = 2
RETRY_BACKOFF_MAX_SECONDS = 300
RETRY_MAX_ATTEMPTS = 8


def backoff_seconds(retries: int) -> int:
    """The wait before retry number ``retries + 1``: random in [0, 2 * 2^retries], capped (full jitter).

    Jitter spreads the retries of many tasks that failed together (a database restart) instead of sending them
    back all at once.
    """
    ceiling = min(RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS * 2**retries)
    return random.randint(0, ceiling)  # noqa: S311 - spreading load, not security


def retry_later(task: Task, exc: Exception | None = None) -> Exception:
    """Retry ``task`` after the shared back-off, for a failure it recognises itself: ``raise retry_later(self, e)``."""
    return task.retry(exc=exc, countdown=backoff_seconds(task.request.retries))
