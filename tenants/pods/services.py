"""Changes to pods: adding one from its configured database (its schema prerequisites included), opening, closing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connections

from tenants.models import Pod

from .config import POD_NAME, PodNotConfigured, alias_for, ensure_pod_database

# Store schemas use these extensions from the public schema (trigram indexes for search); the platform database
# gets them from the directory's migration, a pod from here.
POD_EXTENSIONS = ("pg_trgm",)


def prepare_pod_database(alias: str) -> None:
    """Install what store schemas need on a pod's database; safe to run again."""
    with connections[alias].cursor() as cursor:
        for extension in POD_EXTENSIONS:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension} WITH SCHEMA public")


def add_pod(*, name: str, is_open: bool = True) -> Pod:
    """Record the pod ``name`` (configured by MERCATO_POD_<NAME>_URL) so stores can be placed on it."""
    if not POD_NAME.match(name):
        raise ValidationError({"name": "Use lowercase letters, digits and underscores, starting with a letter."})
    alias = alias_for(name)
    try:
        ensure_pod_database(alias)
    except PodNotConfigured as error:
        raise ValidationError({"name": str(error)}) from error
    prepare_pod_database(alias)
    pod, _ = Pod.objects.update_or_create(name=name, defaults={"database_alias": alias, "is_open": is_open})
    return pod


def set_pod_open(*, pod: Pod, is_open: bool) -> Pod:
    """Open a pod to new stores, or close it (its stores keep being served)."""
    Pod.objects.filter(pk=pod.pk).update(is_open=is_open)
    pod.is_open = is_open
    return pod
