"""The Redis cache backend that degrades instead of failing: with Redis down or hung, reads miss, writes are skipped.

Everything Mercato keeps in Redis (host routing, sessions' cached copies, pages, profiles, rate-limit counters)
can be rebuilt from PostgreSQL or done without for a while, so a Redis outage must cost speed, never a page.

- Every call is bounded by the socket timeouts in ``CACHES[...]["OPTIONS"]`` (settings: ``MERCATO_REDIS_TIMEOUT``).
- After one failure this process stops calling that Redis for ``PAUSE_SECONDS``; then one call tries again. So
  a dead or hung Redis costs one timeout per process and pause, not one per cache call.
- A read that can't reach Redis is a miss; a write that can't is skipped, and its key remembered. Before the
  next call that reaches Redis again, this process deletes those keys there: an entry it failed to replace or
  delete (a logged-out session, a store's old content version) must not come back when Redis does.
- ``incr`` has no sensible answer without Redis and raises ``CacheUnavailable``, as does ``add_or_raise``, for
  callers whose answer must be right (a single-use token, a rate-limit counter).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0
# Keys of skipped writes kept per process; past this, further ones are left to expire on their own timeouts.
MAX_MISSED_WRITES = 50_000
_DELETE_BATCH = 500


class CacheUnavailable(Exception):
    """Redis could not answer a call whose caller must not be given a guess."""


class ServerHealth:
    """What this process knows of one server: whether to call it now, and (for a cache) the writes it missed.

    ``name`` says what and where ("Redis at 127.0.0.1:6379"); ``meanwhile`` ends the warning logged when the
    server stops answering, saying what happens without it.
    """

    def __init__(self, name: str, *, meanwhile: str = "going on without the cache") -> None:
        self.name = name
        self.meanwhile = meanwhile
        self._lock = threading.Lock()
        self._paused_until = 0.0  # 0: healthy
        self._missed: set[str] = set()
        self._missed_overflowed = False

    def may_call(self) -> bool:
        if not self._paused_until:
            return True
        now = time.monotonic()
        with self._lock:
            if now < self._paused_until:
                return False
            # This caller tries Redis again; the others keep going without it until it has answered or failed.
            self._paused_until = now + PAUSE_SECONDS
            return True

    def failed(self, error: Exception) -> None:
        with self._lock:
            newly = not self._paused_until
            self._paused_until = time.monotonic() + PAUSE_SECONDS
        if newly:
            logger.warning(
                "%s is unavailable (%s: %s); %s, trying again every %.0f s",
                self.name, type(error).__name__, error, self.meanwhile, PAUSE_SECONDS,
            )  # fmt: skip

    def answered(self) -> None:
        if not self._paused_until:
            return
        with self._lock:
            self._paused_until = 0.0
        logger.warning("%s answers again", self.name)

    def missed(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                if len(self._missed) >= MAX_MISSED_WRITES:
                    if not self._missed_overflowed:
                        self._missed_overflowed = True
                        logger.warning(
                            "more than %d cache writes missed while %s was unavailable; the rest "
                            "will expire on their own timeouts",
                            MAX_MISSED_WRITES, self.name,
                        )  # fmt: skip
                    return
                self._missed.add(key)

    def take_missed(self) -> list[str]:
        if not self._missed:
            return []
        with self._lock:
            keys, self._missed, self._missed_overflowed = list(self._missed), set(), False
        return keys


_servers: dict[str, ServerHealth] = {}
_servers_lock = threading.Lock()


def _health_of(servers: list[str]) -> ServerHealth:
    # Django makes a backend instance per thread and alias; what is known of a server is shared by all of them.
    key = ",".join(servers)
    health = _servers.get(key)
    if health is None:
        with _servers_lock:
            health = _servers.setdefault(key, ServerHealth("Redis at " + ",".join(server_name(url) for url in servers)))
    return health


def server_name(url: str) -> str:
    """``host:port`` of a Redis URL, for logs: never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else url


class _OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client, making the redis-py client object once per connection pool rather than once per
    cache call: its constructor registers some 170 response callbacks, which cost more CPU than the round trip of
    a cache hit. A redis-py client holds no connection of its own (each command borrows one from the pool)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | bytes | memoryview | None = None, *, write: bool = False) -> Any:
        django_client: Any = self  # the pool helpers below are Django's private methods, not in its type stubs
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, with every call bounded and a Redis failure turned into a miss (see the module)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool

    @cached_property
    def _health(self) -> ServerHealth:
        return _health_of(self._servers)  # type: ignore[attr-defined]  # RedisCache's parsed LOCATION list

    def _call(
        self, action: Callable[[], Any], fallback: Any, *, writes: Iterable[str] = (), strict: bool = False
    ) -> Any:
        health = self._health
        if health.may_call():
            try:
                self._delete_missed(health)
                result = action()
            except RedisError as error:
                health.failed(error)
            except Exception:
                health.answered()  # Redis did answer; the error is the caller's (incr of a missing key)
                raise
            else:
                health.answered()
                return result
        health.missed(writes)
        if strict:
            raise CacheUnavailable(f"{health.name} is unavailable")
        return fallback

    def _delete_missed(self, health: ServerHealth) -> None:
        keys = health.take_missed()
        if not keys:
            return
        client = self._cache.get_client(write=True)
        for start in range(0, len(keys), _DELETE_BATCH):
            try:
                client.delete(*keys[start : start + _DELETE_BATCH])
            except RedisError:
                health.missed(keys[start:])
                raise
        logger.info("deleted %d cache entries written or dropped while %s was away", len(keys), health.name)

    def _made_key(self, key: str, version: int | None) -> str:
        return self.make_and_validate_key(key, version=version)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        # A skipped add left whatever was there in place, as a refused one would: nothing to delete later.
        return self._call(partial(super().add, key, value, timeout, version), False)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._call(partial(super().get, key, default, version), default)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(partial(super().set, key, value, timeout, version), None, writes=[self._made_key(key, version)])

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(partial(super().touch, key, timeout, version), False)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._call(partial(super().delete, key, version), False, writes=[self._made_key(key, version)])

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict:
        return self._call(partial(super().get_many, keys, version), {})

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._call(partial(super().has_key, key, version), False)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._call(partial(super().incr, key, delta, version), None, strict=True)

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list:
        made = [self._made_key(key, version) for key in data]
        return self._call(partial(super().set_many, data, timeout, version), list(data), writes=made)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        keys = list(keys)
        made = [self._made_key(key, version) for key in keys]
        self._call(partial(super().delete_many, keys, version), None, writes=made)

    def clear(self) -> None:
        self._call(super().clear, None)

    def add_or_raise(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(partial(super().add, key, value, timeout, version), None, strict=True)


def add_or_raise(key: str, value: Any, timeout: int, *, alias: str = "default") -> bool:
    """``caches[alias].add()`` for an answer that must be right, such as claiming a single-use token.

    Raises ``CacheUnavailable`` when Redis can't say, rather than answering "already taken" (wrong) or "free"
    (unsafe); the request then gets the "try again in a moment" page.
    """
    backend = caches[alias]
    if isinstance(backend, ResilientRedisCache):
        return backend.add_or_raise(key, value, timeout)
    return backend.add(key, value, timeout)


def redis_client(alias: str = "default") -> Any:
    """The redis-py client behind ``caches[alias]``, for what a cache call can't do (publish, subscribe)."""
    backend: Any = caches[alias]  # Django's RedisCache keeps its client wrapper in a private attribute
    return backend._cache.get_client(write=True)
