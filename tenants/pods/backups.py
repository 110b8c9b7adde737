"""Logical backups per database: a pg_dump of the platform database and one of each pod, and the restore of one
store schema from its database's dump (docs/backups.md, "Pods: one dump per database").

Each database is dumped on its own, so a dump locks only that server's tables, and a pod's dump can be restored
onto that pod without touching the platform or another pod. The dumps of one run are not one snapshot: each is
consistent within its database, taken a few seconds or minutes apart.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from tenants.models import Pod

from .config import ensure_pod_database

PLATFORM_DUMP = "platform"


class BackupError(Exception):
    """A dump or a restore could not be made; the message says why and is safe to show an operator."""


@dataclass
class Dump:
    name: str  # "platform" or the pod's name
    database: str  # the Django alias dumped
    path: Path
    size_bytes: int
    seconds: float


def dump_file(folder: Path, name: str) -> Path:
    """Where a run writes the dump of ``name`` ("platform" or a pod's name)."""
    return folder / f"{name}.dump"


def databases_to_back_up(pod_names: list[str] | None = None) -> list[tuple[str, str]]:
    """``(name, alias)`` of what a backup dumps: the platform database and every pod, or only the named pods."""
    if pod_names:
        pods = {pod.name: pod for pod in Pod.objects.filter(name__in=pod_names)}
        unknown = sorted(set(pod_names) - set(pods))
        if unknown:
            raise BackupError(f"No pod called {', '.join(unknown)}; `manage.py pods list` shows the pods.")
        return [(name, pods[name].database_alias) for name in pod_names]
    return [(PLATFORM_DUMP, DEFAULT_DB_ALIAS), *Pod.objects.order_by("name").values_list("name", "database_alias")]


def back_up(*, folder: Path, pod_names: list[str] | None = None) -> list[Dump]:
    """Dump each database of ``databases_to_back_up`` into ``folder`` (custom format, one file each)."""
    targets = databases_to_back_up(pod_names)
    folder.mkdir(parents=True, exist_ok=True)
    dumps = []
    for name, alias in targets:
        path = dump_file(folder, name)
        began = time.monotonic()
        # The whole database: a pod's holds its store schemas, its pooled schemas and pg_trgm, nothing else.
        _run(_tool("pg_dump"), *_connection_arguments(alias), "--format=custom", f"--file={path}", alias=alias)
        dumps.append(Dump(name, alias, path, path.stat().st_size, time.monotonic() - began))
    return dumps


def schema_entries(dump: Path, schema_name: str) -> list[str]:
    """The dump's table-of-contents lines that make up ``schema_name``: the schema itself, then its objects."""
    everything = _run(_tool("pg_restore"), "--list", str(dump)).splitlines()
    schema = re.compile(rf"^\d+; \d+ \d+ SCHEMA - {re.escape(schema_name)} ")
    own = [line for line in everything if schema.match(line)]
    contents = _run(_tool("pg_restore"), "--list", f"--schema={schema_name}", str(dump)).splitlines()
    return own + [line for line in contents if line and not line.startswith(";")]


def restore_schema(*, alias: str, schema_name: str, dump: Path) -> None:
    """Recreate ``schema_name`` on database ``alias`` from ``dump``, in one transaction: all of it, or nothing.

    Refuses when the schema exists (never merges into or overwrites a live schema) or the dump doesn't hold it.
    """
    if not dump.is_file():
        raise BackupError(f"{dump} is not a file.")
    entries = schema_entries(dump, schema_name)
    if not entries or " SCHEMA - " not in entries[0]:
        raise BackupError(f"{dump.name} holds no schema {schema_name}: use the dump of the store's own database.")
    ensure_pod_database(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema_name])
        if cursor.fetchone():
            raise BackupError(
                f"The schema {schema_name} exists on this database: drop or rename it first, a restore never "
                "writes over a live schema."
            )
    with tempfile.NamedTemporaryFile("w", suffix=".list") as listing:
        listing.write("\n".join(entries) + "\n")
        listing.flush()
        _run(
            _tool("pg_restore"), *_connection_arguments(alias), "--single-transaction", "--exit-on-error",
            "--no-owner", f"--use-list={listing.name}", str(dump), alias=alias,
        )  # fmt: skip


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH: install PostgreSQL's client programs.")
    return found


def _settings_of(alias: str) -> dict[str, Any]:
    ensure_pod_database(alias)
    return connections[alias].settings_dict


def _connection_arguments(alias: str) -> list[str]:
    """Host, port, user and database of ``alias`` as client options; the password goes by the environment."""
    entry = _settings_of(alias)
    arguments = ["--no-password", f"--dbname={entry['NAME']}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if entry.get(key):
            arguments.append(f"{option}={entry[key]}")
    return arguments


def _run(*command: str, alias: str | None = None) -> str:
    environment = dict(os.environ)
    if alias is not None and _settings_of(alias).get("PASSWORD"):
        environment["PGPASSWORD"] = str(_settings_of(alias)["PASSWORD"])
    finished = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if finished.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed ({finished.returncode}): {finished.stderr.strip()[-2000:]}")
    return finished.stdout
