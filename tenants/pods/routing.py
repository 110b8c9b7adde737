"""Sends a store's queries to its pod.

While this thread serves a store whose schema lives on a pod, Django's "default" connection *is* that pod's
connection (``ConnectionHandler.__setitem__`` on this thread only), so ``Model.objects``, ``transaction.atomic()``,
``on_commit`` and django-tenants' schema switching all follow the store without knowing about pods. The platform's
own connection stays reachable as the ``platform`` alias, and ``PodRouter`` sends the models of the platform's apps
(SHARED_APPS that no store schema has: stores, accounts, billing, the directory…) there. Outside such a scope the
router has no opinion, so a single database behaves exactly as django-tenants alone.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django_tenants.routers import TenantSyncRouter

from .config import ALIAS_PREFIX, ensure_pod_database

if TYPE_CHECKING:
    from tenants.models import Store

# The platform database's connection while "default" is a pod's; set on this thread only.
PLATFORM_ALIAS = "platform"

_state = threading.local()
# Pod id -> database alias; a pod's alias never changes once it holds stores.
_alias_of_pod: dict[int, str] = {}


def _stack() -> list[Any]:
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    return stack


def on_a_pod() -> bool:
    """True while this thread's "default" connection is a pod's rather than the platform's."""
    stack = _stack()
    return bool(stack) and connections[DEFAULT_DB_ALIAS] is not stack[0]


def database_of(store: Store) -> str:
    """The database alias holding ``store``'s schema: "default" (the platform database) or its pod's."""
    if store.pod_id is None:
        return DEFAULT_DB_ALIAS
    alias = _alias_of_pod.get(store.pod_id)
    if alias is None:
        from tenants.models import Pod

        alias = Pod.objects.values_list("database_alias", flat=True).get(pk=store.pod_id)
        _alias_of_pod[store.pod_id] = alias
    ensure_pod_database(alias)
    return alias


def enter_database(alias: str) -> int:
    """Make ``alias`` this thread's "default" connection until ``leave_database``; returns the depth to leave to."""
    stack = _stack()
    depth = len(stack)
    platform = stack[0] if stack else connections[DEFAULT_DB_ALIAS]
    stack.append(connections[DEFAULT_DB_ALIAS])
    connections[DEFAULT_DB_ALIAS] = platform if alias == DEFAULT_DB_ALIAS else connections[alias]
    connections[PLATFORM_ALIAS] = platform
    return depth


def leave_database(depth: int | None = None) -> None:
    """Undo ``enter_database`` calls down to ``depth`` (the last one when None)."""
    stack = _stack()
    target = len(stack) - 1 if depth is None else depth
    while len(stack) > max(target, 0):
        connections[DEFAULT_DB_ALIAS] = stack.pop()
    if not stack:
        with suppress(AttributeError):
            del connections[PLATFORM_ALIAS]


@contextmanager
def using_database(alias: str) -> Iterator[None]:
    depth = enter_database(alias)
    try:
        yield
    finally:
        leave_database(depth)


@contextmanager
def store_context(store: Store) -> Iterator[None]:
    """Run the block in ``store``'s schema on its own database (django-tenants' ``tenant_context``, pod-aware)."""
    from django_tenants.utils import tenant_context

    with using_database(database_of(store)), tenant_context(store):
        yield


def on_platform[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` on the platform database even when called in a pod store's scope (a task draining the
    store's outbox into the directory): its ``transaction.atomic()`` and raw SQL then mean the platform's. Its
    writes commit on their own, not with the store's transaction on the pod (docs/scaling.md)."""

    @functools.wraps(function)
    def on_the_platform(*args: P.args, **kwargs: P.kwargs) -> R:
        if not on_a_pod():
            return function(*args, **kwargs)
        with using_database(DEFAULT_DB_ALIAS):
            return function(*args, **kwargs)

    return on_the_platform


def platform_connection() -> Any:
    """The platform database's connection, whichever database "default" is on this thread now."""
    stack = _stack()
    return stack[0] if stack else connections[DEFAULT_DB_ALIAS]


def is_pod_alias(alias: str) -> bool:
    return alias.startswith(ALIAS_PREFIX)


class PodRouter(TenantSyncRouter):
    """The platform's models go to the platform while on a pod; a pod's schemas migrate like "default"'s."""

    _platform_labels: frozenset[str] | None = None

    def _is_platform_model(self, model: Any) -> bool:
        """Whether ``model`` (a class or an instance, possibly behind a lazy object) is one of the platform's."""
        if PodRouter._platform_labels is None:
            from django.apps import apps

            PodRouter._platform_labels = frozenset(
                config.label
                for config in apps.get_app_configs()
                if self.app_in_list(config.label, settings.SHARED_APPS)
                and not self.app_in_list(config.label, settings.TENANT_APPS)
            )
        return model._meta.app_label in PodRouter._platform_labels

    def _route(self, model: Any, hints: dict[str, Any]) -> str | None:
        if not self._is_platform_model(model):
            return None
        if on_a_pod():
            return PLATFORM_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PLATFORM_ALIAS:
            return DEFAULT_DB_ALIAS  # read while on a pod, written after: the platform is "default" again
        return None

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return self._route(model, hints)

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return self._route(model, hints)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        databases = {obj1._state.db, obj2._state.db}
        if PLATFORM_ALIAS not in databases and not on_a_pod():
            return None  # no pod in play: Django's own rule (the same database)
        # A platform row read before a pod was entered ("default") and one routed while on it ("platform") are
        # rows of the same database.
        if databases <= {DEFAULT_DB_ALIAS, PLATFORM_ALIAS} and all(
            self._is_platform_model(obj) for obj in (obj1, obj2)
        ):
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        if not is_pod_alias(db):
            return None  # django-tenants' router, next in DATABASE_ROUTERS, decides
        # A pod's connection migrates store schemas as django-tenants' "default" would.
        return super().allow_migrate(DEFAULT_DB_ALIAS, app_label, model_name, **hints) is not False
