"""The project's own app config: loads the Celery app with Django, in every process (web, worker, tests, commands)."""

from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "platform"
    label = "mercato_platform"
    verbose_name = "Mercato"

    def ready(self) -> None:
        # Tasks are sent through Celery's current app, by task or by name (platform.kit.queueing); it must be
        # this configured app, not Celery's default one, before the first request or command sends anything.
        from . import celery  # noqa: F401
        from .observability.metrics import connect_task_metrics

        # In the worker, task outcomes are counted for /metrics (docs/observability.md).
        connect_task_metrics()
