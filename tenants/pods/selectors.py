"""What each pod holds and carries, for the console: stores, database size and open connections; whether a store
is being moved; whether a schema name is held on any database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connections
from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import schema_exists

from tenants.models import Pod, Store

from .config import PodNotConfigured, ensure_pod_database


@dataclass
class PodLoad:
    name: str
    database_alias: str
    is_open: bool
    stores: int
    open_stores: int
    size_bytes: int | None  # None: the pod's database did not answer
    connections: int | None


def pod_loads() -> list[PodLoad]:
    """One line per pod and one for the platform database ("platform"), with what its server reports now."""
    counted = Count("pk"), Count("pk", filter=~Q(status=Store.Status.CLOSED))
    on_platform = Store.objects.filter(pod__isnull=True).aggregate(stores=counted[0], open=counted[1])
    loads = [
        PodLoad("platform", "default", False, on_platform["stores"], on_platform["open"], *server_figures("default"))
    ]
    pods = Pod.objects.annotate(
        store_count=Count("stores"), open_count=Count("stores", filter=~Q(stores__status=Store.Status.CLOSED))
    )
    for pod in pods:
        figures = server_figures(pod.database_alias)
        loads.append(PodLoad(pod.name, pod.database_alias, pod.is_open, pod.store_count, pod.open_count, *figures))
    return loads


def server_figures(alias: str) -> tuple[int | None, int | None]:
    try:
        ensure_pod_database(alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT pg_database_size(current_database()),"
                " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())"
            )
            size, count = cursor.fetchone()
    except (DatabaseError, PodNotConfigured):
        return None, None
    return int(size), int(count)


# A read-only flag older than this was left by a move whose process died (its transactions died with it): the store
# takes writes again, and a new move may start. Far longer than a move takes (docs/scaling.md, "Figures").
MOVE_GIVEN_UP_AFTER = timedelta(minutes=15)


def is_moving(store: Store) -> bool:
    """Whether ``store`` is being moved now, so read-only (its ``moving_since`` as loaded)."""
    return store.moving_since is not None and store.moving_since > timezone.now() - MOVE_GIVEN_UP_AFTER


def schema_name_in_use(schema_name: str) -> bool:
    """Whether a schema of this name is on the platform database or on any pod.

    A schema no store row names (left by a provisioning whose platform commit failed after its pod's, or by a purge
    whose drop failed) keeps its name taken until an operator drops it: a new store of that subdomain is refused
    at once as taken, never sent to fail on the pod where the name is held. A pod that doesn't answer is passed
    over; a store placed there fails whole anyway.
    """
    if schema_exists(schema_name):
        return True
    for alias in Pod.objects.order_by("name").values_list("database_alias", flat=True):
        try:
            ensure_pod_database(alias)
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema_name])
                if cursor.fetchone():
                    return True
        except (PodNotConfigured, DatabaseError):
            continue
    return False
