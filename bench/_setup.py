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
