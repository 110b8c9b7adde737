"""Fixed-window rate limits kept in Redis, for sign-in, sign-up and password reset.

While Redis can't be reached, each process counts in its own memory instead: the limits still hold, per
process rather than for the whole site, until Redis answers again.
"""

import threading
import time

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest

from platform.kit.resilient_cache import CacheUnavailable

# Buckets one process keeps while Redis is away; a flood of made-up buckets drops the oldest, not the memory.
LOCAL_MAX_BUCKETS = 10_000
_local: dict[str, tuple[float, int]] = {}
_local_lock = threading.Lock()


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, the proxy must set REMOTE_ADDR correctly (e.g. gunicorn's --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(bucket: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt in ``bucket``; False once more than ``limit`` happened within the window."""
    key = f"ratelimit:{bucket}"
    try:
        if cache.add(key, 1, timeout=window_seconds):
            return True
        try:
            return cache.incr(key) <= limit
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window_seconds)
            return True
    except CacheUnavailable:
        # Per store, as the Redis keys are (their prefix is the schema).
        schema = getattr(connection, "schema_name", "public")
        return _count_locally(f"{schema}:{key}", window_seconds) <= limit


def _count_locally(key: str, window_seconds: int) -> int:
    now = time.monotonic()
    with _local_lock:
        ends, count = _local.get(key, (0.0, 0))
        if ends <= now:
            ends, count = now + window_seconds, 0
        _local[key] = (ends, count + 1)
        if len(_local) > LOCAL_MAX_BUCKETS:
            for stale in [name for name, (until, _) in _local.items() if until <= now]:
                del _local[stale]
            while len(_local) > LOCAL_MAX_BUCKETS:
                del _local[next(iter(_local))]
        return count + 1


def count_locally(key: str, *, window_seconds: int) -> int:
    """Count one event in this process's own window for ``key`` (while Redis can't); returns the count so far."""
    return _count_locally(key, window_seconds)


def local_count(key: str) -> int:
    """What this process counted for ``key`` in its current window, 0 once the window is over."""
    with _local_lock:
        ends, count = _local.get(key, (0.0, 0))
    return count if ends > time.monotonic() else 0
