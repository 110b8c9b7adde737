"""Request ids: taken from the proxy or made here, returned to the client, on every log line and carried into tasks.

One id follows a request through its log lines and into the Celery tasks it enqueued (their message carries it
in a header, ``platform.kit.queueing.store_headers``), so a support question about one page load finds the
worker's lines too. docs/observability.md describes the fields.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

request_logger = logging.getLogger("mercato.request")

# The header a proxy sends and the response carries back.
REQUEST_ID_HEADER = "X-Request-ID"
# The task message header the id travels in (next to tenant-schemas-celery's ``_schema_name``).
TASK_HEADER = "_request_id"
# What an incoming id may look like: a proxy's UUID or hex token fits; anything longer or with other characters
# (spaces, quotes, newlines that would forge log lines) is replaced by an id of our own.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# A Host header is the client's to write: logged cut to a hostname's length, as ASCII text.
_HOST_MAX_LENGTH = 255

current_request_id: ContextVar[str | None] = ContextVar("mercato_request_id", default=None)
current_host: ContextVar[str | None] = ContextVar("mercato_request_host", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str | None:
    """``value`` when it is a safe id to keep (bounded length, letters, digits and ``._:-``), else None."""
    if value and _ACCEPTED.fullmatch(value):
        return value
    return None


def _loggable_host(value: str) -> str:
    return value[:_HOST_MAX_LENGTH].encode("ascii", "backslashreplace").decode("ascii")


class RequestIdMiddleware:
    """Outermost middleware: binds the request's id and host for the log lines and tasks the request makes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]  # read by views and error pages that show it
        id_token = current_request_id.set(request_id)
        # The raw header, not parsed here (the store routing middleware is the one place that interprets it).
        host_token = current_host.set(_loggable_host(request.META.get("HTTP_HOST", "")))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if settings.LOG_REQUESTS:
                _log_request(request, response, time.perf_counter() - started)
        finally:
            current_request_id.reset(id_token)
            current_host.reset(host_token)
        return response


def _log_request(request: HttpRequest, response: HttpResponse, elapsed: float) -> None:
    """One line per request; the path without its query string, which can hold tokens or what a visitor typed."""
    match = getattr(request, "resolver_match", None)
    fields = {
        "method": request.method,
        "path": request.path[:500],
        "view": match.view_name if match is not None else None,
        "status": response.status_code,
        "duration_ms": round(elapsed * 1000, 1),
    }
    request_logger.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra={"fields": fields})


def _current_schema() -> str | None:
    try:
        from django.db import connection

        return getattr(connection, "schema_name", None)
    except Exception:  # logging before settings are configured, or while the connection is being torn down
        return None


class RequestContextFilter(logging.Filter):
    """Adds ``request_id``, ``host`` and ``schema`` to every record a handler emits (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.host = current_host.get()
        record.schema = _current_schema()
        return True


# --- In the Celery worker ------------------------------------------------------------------------------------


def _request_id_of_task(task: Any) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    # Redis merges a message's headers into the task's request; other transports keep them apart.
    headers = getattr(request, "headers", None) or {}
    return accepted_request_id(headers.get(TASK_HEADER) or getattr(request, TASK_HEADER, None))


def bind_task_request_id(task: Any = None, **_: Any) -> None:
    """``task_prerun``: the task's log lines (and the tasks it sends) carry the id of the request that sent it."""
    current_request_id.set(_request_id_of_task(task))


def unbind_task_request_id(**_: Any) -> None:
    """``task_postrun``: the next task in this worker process starts without an id."""
    current_request_id.set(None)


def connect_task_request_ids() -> None:
    """Connect the two receivers above to Celery's signals (called once, when the Celery app is made)."""
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(bind_task_request_id, weak=False, dispatch_uid="mercato-request-id-bind")
    task_postrun.connect(unbind_task_request_id, weak=False, dispatch_uid="mercato-request-id-unbind")
