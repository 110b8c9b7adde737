"""Which pods this process can reach: their connection settings, read from the environment into DATABASES.

A pod is configured by ``MERCATO_POD_<NAME>_URL=postgres://…`` or by a JSON file ``{"<name>": "postgres://…"}``
named by ``MERCATO_PODS_FILE``. Each becomes the DATABASES alias ``pod_<name>`` with the platform's own backend.
The file is read again when a pod row names an alias this process doesn't know yet, so a pod added while workers
run is found without restarting them. This module imports no models: the settings module uses it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

POD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,24}$")
_URL_VARIABLE = re.compile(r"^MERCATO_POD_([A-Z][A-Z0-9_]{0,24})_URL$")
ALIAS_PREFIX = "pod_"


class PodNotConfigured(Exception):
    """A pod row names a database alias this process has no connection settings for."""


def alias_for(name: str) -> str:
    """The DATABASES alias of the pod called ``name``."""
    return ALIAS_PREFIX + name


def pod_urls(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every pod the environment configures, ``{name: url}``; the file first, variables override it."""
    environ = os.environ if environ is None else environ
    urls: dict[str, str] = {}
    path = environ.get("MERCATO_PODS_FILE", "")
    if path and Path(path).exists():
        loaded = json.loads(Path(path).read_text() or "{}")
        if not isinstance(loaded, dict):
            raise ValueError(f"{path} must hold a JSON object of pod name to database URL")
        urls.update({str(name): str(url) for name, url in loaded.items()})
    for variable, value in environ.items():
        match = _URL_VARIABLE.match(variable)
        if match:
            urls[match.group(1).lower()] = value
    for name in urls:
        if not POD_NAME.match(name):
            raise ValueError(
                f"pod name {name!r}: use lowercase letters, digits and underscores, starting with a letter"
            )
    return urls


def database_settings(url: str, *, engine: str, conn_max_age: int = 60) -> dict[str, Any]:
    """One pod's DATABASES entry: the platform's backend (django-tenants' with the search_path switch)."""
    import dj_database_url

    entry: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True))
    entry["ENGINE"] = engine
    # A pod's test run uses the pod's own database: each pod server is private to the run (tools/pods.py).
    entry["TEST"] = {"NAME": entry["NAME"]}
    return entry


def register_pod_database(name: str, url: str) -> str:
    """Add (or update) the pod's alias in this process's DATABASES at run time; returns the alias."""
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections

    alias = alias_for(name)
    default = settings.DATABASES[DEFAULT_DB_ALIAS]
    entry = database_settings(url, engine=default["ENGINE"], conn_max_age=default.get("CONN_MAX_AGE") or 0)
    # The platform connection's options (production: connect and idle timeouts, the process's name) apply too.
    entry["OPTIONS"] = {**entry.get("OPTIONS", {}), **default.get("OPTIONS", {})}
    known = settings.DATABASES.get(alias)
    if known is not None and all(known.get(key) == entry[key] for key in ("NAME", "HOST", "PORT", "USER")):
        return alias
    # Django fills in the defaults of a new entry (OPTIONS, TIME_ZONE, TEST…) the same way as at start-up.
    settings.DATABASES[alias] = connections.configure_settings({DEFAULT_DB_ALIAS: default, alias: entry})[alias]
    if connections.settings is not settings.DATABASES:
        connections.settings[alias] = settings.DATABASES[alias]
    return alias


def pods_configured() -> bool:
    """Whether this process may meet a store on a pod: a pod alias is configured, or a pod file exists. Without
    either every store is on the platform database, and placement and task routing skip their queries."""
    from django.conf import settings

    if any(alias.startswith(ALIAS_PREFIX) for alias in settings.DATABASES):
        return True
    path = os.environ.get("MERCATO_PODS_FILE", "")
    return bool(path) and Path(path).exists()


def ensure_pod_database(alias: str) -> None:
    """Make sure ``alias`` is a configured database, reading the environment again when it is not yet."""
    from django.conf import settings

    if alias in settings.DATABASES:
        return
    for name, url in pod_urls().items():
        register_pod_database(name, url)
    if alias not in settings.DATABASES:
        raise PodNotConfigured(
            f"No connection settings for the pod database {alias!r}: set MERCATO_POD_<NAME>_URL "
            "(or list it in MERCATO_PODS_FILE) in this process's environment."
        )
