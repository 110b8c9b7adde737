"""Every task retries transient errors with exponential back-off and jitter, through the one shared task class."""

from django.db import InterfaceError, OperationalError

from platform.celery import ReliableTask, app
from platform.kit.queueing import RETRY_BACKOFF_MAX_SECONDS, RETRY_MAX_ATTEMPTS, backoff_seconds


def _project_tasks() -> dict:
    # Loads the task modules as a worker does at start (Celery's Django fixup checks the models then: needs `db`).
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_project_task_retries_database_and_broker_errors_with_backoff(db):
    tasks = _project_tasks()
    assert {"billing.process_stripe_event", "orders.send_order_emails", "catalog.make_image_thumbnail",
            "directory_feed.drain_outbox", "accounts.send_email", "catalog.run_catalog_export"} <= set(tasks)  # fmt: skip
    for name, task in tasks.items():
        assert isinstance(task, ReliableTask), name
        # Celery wraps ``run`` for autoretry only when the class asks for it at registration.
        assert hasattr(task, "_orig_run"), f"{name} is not wrapped for automatic retries"
        assert issubclass(OperationalError, task.autoretry_for) and issubclass(InterfaceError, task.autoretry_for)
        assert (task.retry_backoff, task.retry_jitter, task.max_retries) == (2, True, RETRY_MAX_ATTEMPTS), name


def test_the_backoff_doubles_is_capped_and_jittered():
    for retries in range(12):
        ceiling = min(RETRY_BACKOFF_MAX_SECONDS, 2 * 2**retries)
        waits = {backoff_seconds(retries) for _ in range(400)}
        assert min(waits) >= 0 and max(waits) <= ceiling
        if ceiling >= 8:
            assert len(waits) > 1, "no jitter"
