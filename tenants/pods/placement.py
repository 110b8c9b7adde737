"""Where a new store goes: the open pod with the fewest stores (docs/scaling.md, "Placement")."""

from __future__ import annotations

from django.db.models import Count, Q

from tenants.models import Pod, Store

from .config import ensure_pod_database, pods_configured


def choose_pod() -> Pod | None:
    """The pod a new store is placed on, or None for the platform database (no pod open, or none configured).

    The least-loaded open pod, counting the stores it holds that are not closed (a closed store's schema waits
    to be purged); ties go to the pod created first. A pod is closed to new stores with ``is_open`` False.
    """
    if not pods_configured():
        return None
    candidates = (
        Pod.objects.filter(is_open=True)
        .annotate(load=Count("stores", filter=~Q(stores__status=Store.Status.CLOSED)))
        .order_by("load", "created_at", "pk")
    )
    pod = candidates.first()
    if pod is not None:
        ensure_pod_database(pod.database_alias)
    return pod
