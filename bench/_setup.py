"""Shared start-up for benchmarks: find the services, point Django at a throw-away database, set it up."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def start(database_name: str) -> Callable[[], None]:
    """Find or start PostgreSQL and Redis, create a fresh ``database_name`` and set Django up on it.

    Returns a function that drops the database and stops anything that was started.
    """
    import psycopg
    from psycopg import sql

    from tools.services import discover

    services = discover()
    parts = urlsplit(services.database_url)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name)))
    os.environ.update(services.env())
    os.environ["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{database_name}", "", ""))
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform.settings"
    os.environ["MERCATO_LOG_LEVEL"] = "WARNING"
    # Tasks the benchmark enqueues go to a queue no worker reads, and are deleted at the end.
    queue = f"mercato-bench-{os.getpid()}"
    os.environ["MERCATO_TASK_QUEUE"] = queue

    import django

    django.setup()

    def stop() -> None:
        from django.db import connections

        connections.close_all()
        import redis

        redis.Redis.from_url(services.redis_url).delete(queue)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name)))
        services.stop()

    return stop


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def start_local_pods(count: int, folder: Path) -> tuple[list[str], Callable[[], None]]:
    """The database aliases the stores go to (the pods', or the platform's alone) and how to stop the pods."""
    from django.db import connections

    from tenants.pods.config import register_pod_database
    from tenants.pods.services import add_pod
    from tools.pods import free_ports, start_pods

    if count == 0:
        return ["default"], lambda: None
    run_dir = folder / "pods"
    run_dir.mkdir()
    run_dir.chmod(0o755)  # as root the servers run as the postgres user, who must reach their data
    folder.chmod(0o755)
    servers = start_pods(count, run_dir=run_dir, ports=free_ports(count), durable=False)

    def stop_pods() -> None:
        for alias in aliases:
            connections[alias].close()
        servers.stop()

    aliases = []
    try:
        for name, url in servers.urls().items():
            register_pod_database(name, url)
            aliases.append(add_pod(name=name).database_alias)
    except BaseException:
        stop_pods()
        raise
    return aliases, stop_pods
