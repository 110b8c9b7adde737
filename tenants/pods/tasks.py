"""A task runs on its store's pod: tenant-schemas-celery's schema switch, with the pod's connection entered first.

tenant-schemas-celery switches Django's "default" connection to the schema named in the message's headers. For a
store on a pod, "default" must first become that pod's connection, so its switch and every query of the task land
there; afterwards the platform's connection is put back. Its handlers are replaced by these, which call them.
"""

from __future__ import annotations

from typing import Any

from celery.signals import task_postrun, task_prerun
from django.db import DEFAULT_DB_ALIAS
from tenant_schemas_celery.app import get_schema_name_from_task, restore_schema, switch_schema

from .config import pods_configured
from .routing import database_of, enter_database, leave_database


def enter_store_pod(task: Any, kwargs: dict | None = None, **signal_kwargs: Any) -> None:
    from django.conf import settings

    task._pod_depth = None
    schema = get_schema_name_from_task(task, kwargs) or settings.PUBLIC_SCHEMA_NAME
    if schema != settings.PUBLIC_SCHEMA_NAME and pods_configured():
        try:
            store = task.get_tenant_for_schema(schema_name=schema)
        except Exception:  # an unknown schema: tenant-schemas-celery's switch raises its own error below
            store = None
        database = database_of(store) if store is not None else DEFAULT_DB_ALIAS
        if database != DEFAULT_DB_ALIAS:
            task._pod_depth = enter_database(database)
    switch_schema(task, kwargs, **signal_kwargs)


def leave_store_pod(task: Any, **signal_kwargs: Any) -> None:
    try:
        restore_schema(task, **signal_kwargs)
    finally:
        depth = getattr(task, "_pod_depth", None)
        if depth is not None:
            task._pod_depth = None
            leave_database(depth)


def connect_pod_aware_schema_switch() -> None:
    """Called once by the Celery app (platform/celery.py)."""
    task_prerun.disconnect(dispatch_uid="tenant_schemas_switch_schema")
    task_postrun.disconnect(dispatch_uid="tenant_schemas_restore_schema")
    task_prerun.connect(enter_store_pod, weak=False, dispatch_uid="mercato_enter_store_pod")
    task_postrun.connect(leave_store_pod, weak=False, dispatch_uid="mercato_leave_store_pod")
