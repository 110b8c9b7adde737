"""The host → store lookup every request makes, cached so that routing costs no database query.

Two levels: a per-process dictionary that forgets entries after ``LOCAL_SECONDS`` (so a change reaches every
worker process within a second), then Redis for ``SHARED_SECONDS``, then the database. Every service that
changes what a host resolves to (a domain added or removed, a store renamed, suspended, closed, restored or
purged) calls ``forget_store_hosts``.
"""

import threading
import time

from django.core.cache import caches
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from .models import Store, StoreDomain

LOCAL_SECONDS = 1.0
SHARED_SECONDS = 300
_MISSING = "-"  # cached answer for "no store on this host", so unknown hosts don't reach the database either
# pod_id: the database routing sends the request to (tenants/pods/routing.py); moving_since: writes are refused
# while the store is moved to another pod.
_FIELDS = ("id", "name", "slug", "schema_name", "status", "created_at", "pod_id", "moving_since")

_local: dict[str, tuple[float, dict | str]] = {}
_local_lock = threading.Lock()


def _key(host: str) -> str:
    return f"tenants:host:{host}"


def cached_store_for_host(host: str) -> Store | None:
    host = host.lower()
    now = time.monotonic()
    hit = _local.get(host)
    if hit is not None and hit[0] > now:
        return _as_store(hit[1])
    routing = caches["platform"]
    value = routing.get(_key(host))
    if value is None:
        with schema_context(get_public_schema_name()):
            domain = StoreDomain.objects.select_related("tenant").filter(domain=host).first()
        value = {field: getattr(domain.tenant, field) for field in _FIELDS} if domain else _MISSING
        routing.set(_key(host), value, SHARED_SECONDS)
    with _local_lock:
        if len(_local) > 10_000:  # a flood of made-up hosts must not grow memory without bound
            _local.clear()
        _local[host] = (now + LOCAL_SECONDS, value)
    return _as_store(value)


def forget_store_hosts(store: Store, *extra_hosts: str) -> None:
    """Drop the cached lookups of every host of ``store`` and of ``extra_hosts``, once the change commits.

    Call it before deleting domains (it reads them now); deletion waits for the commit so that no request
    can cache the old answer again in between.
    """
    with schema_context(get_public_schema_name()):
        hosts = set(StoreDomain.objects.filter(tenant_id=store.pk).values_list("domain", flat=True))
    hosts |= {host.lower() for host in extra_hosts}
    transaction.on_commit(lambda: _forget(hosts))


def _forget(hosts: set[str]) -> None:
    caches["platform"].delete_many([_key(host) for host in hosts])
    with _local_lock:
        for host in hosts:
            _local.pop(host, None)


def _as_store(value: dict | str) -> Store | None:
    if isinstance(value, str):  # only ever _MISSING: no store on this host
        return None
    store = Store(**value)
    store._state.adding = False
    store._state.db = "default"
    return store
