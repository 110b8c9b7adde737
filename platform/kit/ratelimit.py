"""Fixed-window rate limits kept in Redis, for sign-in, sign-up and password reset."""

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy, the proxy must set REMOTE_ADDR correctly (e.g. gunicorn's --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(bucket: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt in ``bucket``; False once more than ``limit`` happened within the window."""
    key = f"ratelimit:{bucket}"
    if cache.add(key, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return True
