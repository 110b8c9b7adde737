"""Pods for the tests: three private PostgreSQL servers (tools/pods.py) started once per run, when a test asks.

``pod_servers`` starts them, registers them as this process's DATABASES aliases and writes them to the run's
pod file (MERCATO_PODS_FILE, platform/settings/test.py), from which the worker and live server the tests start
learn them too. ``open_pods`` records them as Pod rows, open to new stores, for one test module; afterwards every
store placed on them is purged, their pooled schemas are dropped and the rows removed, so the rest of the suite
sees the platform database alone.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

POD_COUNT = 3


@pytest.fixture(scope="session")
def pod_servers(django_db_setup) -> Iterator[dict[str, str]]:
    """``{name: url}`` of three running pod servers, registered in this process."""
    from tenants.pods.config import alias_for, register_pod_database
    from tools.pods import free_ports, start_pods

    # Not pytest's temporary folder: as root the servers run as the postgres user, who must reach this one.
    run_dir = Path(tempfile.mkdtemp(prefix="mercato-test-pods-"))
    run_dir.chmod(0o755)
    servers = start_pods(POD_COUNT, run_dir=run_dir, ports=free_ports(POD_COUNT), durable=False)
    config = Path(settings.POD_CONFIG_FILE)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps(servers.urls()))
    for name, url in servers.urls().items():
        register_pod_database(name, url)
    yield servers.urls()
    for name in servers.urls():
        connections[alias_for(name)].close()
    servers.stop()
    config.unlink(missing_ok=True)
    shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def open_pods(pod_servers, django_db_blocker) -> Iterator[list]:
    """The three pods as Pod rows, open to new stores, for one module; its stores on them are purged after."""
    from tenants.models import Pod, ReadySchema, Store
    from tenants.pods.services import add_pod
    from tenants.schema_pool import drop_pooled_schema
    from tenants.services import purge_store

    with django_db_blocker.unblock():
        pods = [add_pod(name=name) for name in pod_servers]
    yield pods
    with django_db_blocker.unblock():
        connections["default"].set_schema_to_public()
        for store in Store.objects.filter(pod__in=pods):
            purge_store(store=store)
        for entry in ReadySchema.objects.filter(pod__in=pods).select_related("pod"):
            drop_pooled_schema(entry)
        Pod.objects.filter(pk__in=[pod.pk for pod in pods]).delete()


def pod_schemas(alias: str) -> set[str]:
    """The store schemas that exist on one pod's server."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'store\\_%'")
        return {row[0] for row in cursor.fetchall()}


def platform_schemas() -> set[str]:
    from tenants.pods.routing import platform_connection

    with platform_connection().cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'store\\_%'")
        return {row[0] for row in cursor.fetchall()}


__all__ = ["open_pods", "platform_schemas", "pod_schemas", "pod_servers"]
