"""Prometheus metrics, counted in every web and worker process and merged when Prometheus scrapes ``/metrics``.

Counters and histograms live in prometheus_client's multiprocess files (``PROMETHEUS_MULTIPROC_DIR``, set by the
settings), so every gunicorn worker and Celery worker process adds to the same scrape. Backlogs (queue depth,
schema pool, unsent tasks) are read from Redis and PostgreSQL when scraped, not counted.

Labels are bounded on purpose: a route name, a method, a status code, a task name, an outcome. Never a host, a
store or anything a visitor types, so hundreds of stores do not make hundreds of series.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest, HttpResponse

# prometheus_client picks its multiprocess mode when first imported, from this variable: set it from the settings
# first (the processes a test run starts inherit the same value).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") != settings.METRICS_FOLDER:
    if "prometheus_client" in sys.modules:
        raise ImproperlyConfigured("prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set.")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = settings.METRICS_FOLDER
Path(settings.METRICS_FOLDER).mkdir(parents=True, exist_ok=True)

from prometheus_client import CollectorRegistry, Counter, Histogram  # noqa: E402
from prometheus_client.core import GaugeMetricFamily, Metric  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402
from prometheus_client.registry import Collector  # noqa: E402

# A request no URL pattern matched (a 404, a host with no store, a refused request) has no route name.
UNROUTED = "<unrouted>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "mercato_http_requests",
    "Requests answered, by route name, method and status code.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "mercato_http_request_duration_seconds",
    "Time from the request entering Django to its response leaving, by route name.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_QUERIES = Histogram(
    "mercato_http_request_db_queries",
    "Database queries one request made, by route name.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500),
)
TASK_OUTCOMES = Counter(
    "mercato_celery_tasks",
    "Celery task runs by task name and outcome: success, failure or retry.",
    ["task", "outcome"],
)


def route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or UNROUTED
    # A page answered before URL resolution (a store's cached page) names the route it was made by.
    return getattr(request, "route_name", "") or UNROUTED


class _QueryCounter:
    """An execute wrapper (Django's ``connection.execute_wrapper``) counting the queries it lets through."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class RequestMetricsMiddleware:
    """Counts each request by route name and status, and observes its duration and database queries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = route_name(request)
        method = request.method if request.method in _METHODS else "other"
        HTTP_REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(view=view).observe(elapsed)
        HTTP_QUERIES.labels(view=view).observe(queries.count)
        return response


# --- Celery ---------------------------------------------------------------------------------------------------


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or "<unknown>")


def count_task_success(sender: Any = None, **_: Any) -> None:
    TASK_OUTCOMES.labels(task=_task_name(sender), outcome="success").inc()


def count_task_failure(sender: Any = None, **_: Any) -> None:
    TASK_OUTCOMES.labels(task=_task_name(sender), outcome="failure").inc()


def count_task_retry(sender: Any = None, **_: Any) -> None:
    TASK_OUTCOMES.labels(task=_task_name(sender), outcome="retry").inc()


def connect_task_metrics() -> None:
    """Count task outcomes in the worker from Celery's signals (called once, when the Celery app is made)."""
    from celery.signals import task_failure, task_retry, task_success

    task_success.connect(count_task_success, weak=False, dispatch_uid="mercato-metrics-success")
    task_failure.connect(count_task_failure, weak=False, dispatch_uid="mercato-metrics-failure")
    task_retry.connect(count_task_retry, weak=False, dispatch_uid="mercato-metrics-retry")


# --- Read when scraped ----------------------------------------------------------------------------------------

# kombu's Redis transport keeps a queue's messages of priority 0 in a list named after the queue, and those of
# its other priority steps in lists with this separator and the step appended.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def queue_names() -> list[str]:
    return [settings.CELERY_TASK_DEFAULT_QUEUE]


def _queue_lengths() -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=settings.BROKER_TIMEOUT,
        socket_timeout=settings.BROKER_TIMEOUT,
    )
    try:
        lengths = {}
        for queue in queue_names():
            keys = [queue] + [f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS]
            pipeline = client.pipeline(transaction=False)
            for key in keys:
                pipeline.llen(key)
            lengths[queue] = sum(pipeline.execute())
        return lengths
    finally:
        client.close()


def _database_backlogs() -> tuple[int, int]:
    from platform.unsent_tasks.models import UnsentTask
    from tenants.schema_pool import ready_schema_count

    return ready_schema_count(), UnsentTask.objects.count()


class BacklogCollector(Collector):
    """Queue depth, ready schemas in the pool and unsent task messages, read when Prometheus scrapes.

    A source that can't be read is reported by ``mercato_metrics_source_up{source=...} 0`` rather than failing the
    whole scrape: the other metrics are what an operator needs most during that outage.
    """

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("mercato_metrics_source_up", "1 when this source could be read for the scrape.",
                               labels=["source"])  # fmt: skip
        try:
            lengths = _queue_lengths()
        except Exception:  # the broker unreachable: said by the gauge above
            up.add_metric(["broker"], 0)
        else:
            up.add_metric(["broker"], 1)
            queue = GaugeMetricFamily("mercato_celery_queue_length", "Task messages waiting in the broker, by queue.",
                                      labels=["queue"])  # fmt: skip
            for name, length in lengths.items():
                queue.add_metric([name], length)
            yield queue
        try:
            ready, unsent = _database_backlogs()
        except Exception:  # PostgreSQL unreachable
            up.add_metric(["database"], 0)
        else:
            up.add_metric(["database"], 1)
            yield GaugeMetricFamily(
                "mercato_schema_pool_ready", "Migrated store schemas ready for the next signups.", value=ready
            )
            yield GaugeMetricFamily(
                "mercato_unsent_tasks", "Task messages the broker could not take, waiting to be sent again.",
                value=unsent,
            )  # fmt: skip
        yield GaugeMetricFamily(
            "mercato_schema_pool_target", "How many ready schemas the pool is kept at.", value=settings.SCHEMA_POOL_SIZE
        )
        yield up


def render_metrics() -> bytes:
    """The text a scrape gets: every process's counters and histograms, then the backlogs read now."""
    from prometheus_client import generate_latest

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(BacklogCollector())
    return generate_latest(registry)
