"""Whole-page cache for anonymous visitors of a store, keyed per store and dropped by any change to what it shows.

Each store has a content version in Redis; every cached page is stored with the version it was made under, and
is served only while that is still the store's version. Bumping the version (on commit of any catalog, stock,
price, page, menu or theme change) therefore makes every cached page of that store stale at once, in every
process.

A hit is served by ``CachedPageMiddleware``, placed before the session, CSRF, auth and message middleware, with no
database query and one Redis round trip (``MGET`` of the version and the page). With ``STOREFRONT_PAGE_COPY``
each process also keeps a short-lived copy of the versions it read and of the pages it served (``ProcessCopy``):
a page whose version is in that copy is answered with no round trip at all. A bump publishes the store's schema
on a Redis channel that every process subscribes to, and each request first reads what arrived there (a
non-blocking read of a socket already filled, not a round trip), so while Redis answers no process answers from
a version that has changed. A hung Redis is the exception: nothing tells a worker, so it is off by default.

Visitors with a session or messages cookie (signed-in staff and buyers, buyers with a cart, whose header shows
its count) always get a fresh page, and such a page is never stored; so are POSTs and every other method but GET
and HEAD.
"""

import contextlib
import hashlib
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from redis.client import PubSub
from redis.exceptions import RedisError

from platform.kit import request_memo
from platform.kit.resilient_cache import PAUSE_SECONDS, redis_client
from tenants.connection import connection

logger = logging.getLogger(__name__)

PAGE_SECONDS = 300
_VERSION_KEY = "storefront:content-version"
# Set on the request by the middleware when it looked the page up and missed, so the view doesn't look again.
_MISSED_KEY = "_page_cache_key"


def content_version() -> str:
    """The current store's content version, read from Redis once per request (never kept across requests)."""
    return request_memo.remember(f"{_VERSION_KEY}:{connection.schema_name}", _read_version)


def _read_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = _start_version()
    return version


def _start_version() -> str:
    version = secrets.token_hex(4)
    # add(): of two processes starting a version at once, both end up using the same one.
    if not cache.add(_VERSION_KEY, version, None):
        version = cache.get(_VERSION_KEY) or version
    return version


def invalidate_store_pages(*, schema_name: str | None = None) -> None:
    """Make every cached page of a store (the current one by default) stale, now and again on commit."""
    schema = schema_name or connection.schema_name

    def bump() -> None:
        from django_tenants.utils import schema_context

        with schema_context(schema):
            cache.set(_VERSION_KEY, secrets.token_hex(4), None)
        request_memo.forget(f"{_VERSION_KEY}:{schema}")
        process_copy.forget(schema)
        _announce(schema)

    # Now, so this transaction's own later requests see fresh pages; after the commit, because another
    # request may have cached a page of the old content in between.
    bump()
    transaction.on_commit(bump)


def _channel() -> str:
    # This deployment's (or test run's) prefix: another one sharing the Redis server has stores of the same names.
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:storefront:content-changed"


def _announce(schema: str) -> None:
    """Tell every process that ``schema``'s version changed, and return only once they can all read it."""
    try:
        client = redis_client()
        client.publish(_channel(), schema)
        # Redis answers a PUBLISH before it has necessarily written the message to every subscriber, but it
        # writes all of one turn's answers before it reads the next command: once this PING is answered, the
        # message is in every subscribed process's socket, and that process's next request will read it.
        client.ping()
    except RedisError as error:
        # The version itself was bumped (or its write is retried by the cache); without the message, the other
        # processes' copies still lapse after LOCAL_SECONDS, and their subscriptions, broken by the same outage,
        # make them drop every copy.
        logger.warning("could not announce a content change of %s: %s", schema, error)


class _Subscription(PubSub):
    """redis-py's subscriber, which reconnects and subscribes again on its own after a broken connection; this
    one notes it, since the messages published in between were lost."""

    reconnected = False

    def on_connect(self, connection: Any) -> None:
        if self.channels:  # subscribed before: this is a reconnection
            self.reconnected = True
        super().on_connect(connection)


class ProcessCopy:
    """This process's short-lived copy of store versions and cached pages, answered without a round trip.

    A version is kept for ``LOCAL_SECONDS`` after it was read from Redis, and only while this process is
    subscribed to the change channel; each lookup first reads whatever messages have arrived on it (without
    waiting) and drops the versions they name. A message that can't be read, a broken subscription or a burst
    bigger than ``MAX_MESSAGES`` (messages may then have been dropped by Redis) drops every version. Pages are
    kept by key with the version they were made under, up to ``MAX_BYTES`` of bodies, least recently used first
    out.
    """

    LOCAL_SECONDS = 2.0
    MAX_BYTES = 32 * 1024 * 1024
    MAX_MESSAGES = 1000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._pubsub: Any = None
        self._retry_at = 0.0
        # Bumped whenever the copy may have missed a message: a version read before that must not be kept.
        self.generation = 0
        self._versions: dict[str, tuple[str, float]] = {}
        self._pages: OrderedDict[tuple[str, str], tuple] = OrderedDict()
        self._bytes = 0

    def lookup(self, schema: str, key: str) -> tuple[tuple | None, int | None]:
        """The page kept for ``key`` if its version is ``schema``'s current one, and the generation to pass to
        ``keep`` (None when this process is not listening for changes, so nothing may be kept)."""
        with self._lock:
            if not self._listening():
                return None, None
            version = self._versions.get(schema)
            if version is None or version[1] < time.monotonic():
                return None, self.generation
            entry = self._pages.get((schema, key))
            if entry is None or entry[0] != version[0]:
                return None, self.generation
            self._pages.move_to_end((schema, key))
            return entry, self.generation

    def keep(self, schema: str, version: str, key: str, entry: tuple | None, generation: int) -> None:
        """Keep ``version`` (read from Redis after ``lookup`` returned ``generation``) and the page it serves."""
        with self._lock:
            if generation != self.generation:
                return  # a change may have been missed since the version was read
            self._versions[schema] = (version, time.monotonic() + self.LOCAL_SECONDS)
            if entry is None or len(entry[2]) > self.MAX_BYTES // 100:
                return
            old = self._pages.pop((schema, key), None)
            if old is not None:
                self._bytes -= len(old[2])
            self._pages[(schema, key)] = entry
            self._bytes += len(entry[2])
            while self._bytes > self.MAX_BYTES:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped[2])

    def forget(self, schema: str | None = None) -> None:
        """Drop ``schema``'s version (every store's by default), so its next page is checked with Redis."""
        with self._lock:
            if schema is None:
                self._drop_all()
            else:
                self._versions.pop(schema, None)

    def _drop_all(self) -> None:
        self.generation += 1
        self._versions.clear()
        self._pages.clear()
        self._bytes = 0

    def _listening(self) -> bool:
        """Subscribed, with every message that has arrived applied. Called with the lock held."""
        if self._pid != os.getpid():
            # A forked child shares its parent's socket: it must never read from it, and knows nothing yet.
            self._pid, self._pubsub = os.getpid(), None
            self._drop_all()
        if self._pubsub is None and not self._subscribe():
            return False
        try:
            for _ in range(self.MAX_MESSAGES):
                message = self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.0)
                if message is None:
                    if self._pubsub.reconnected:
                        self._pubsub.reconnected = False
                        self._drop_all()
                    return True
                if message["type"] == "message":
                    self._versions.pop(message["data"].decode(), None)
            self._drop_all()  # a burst: Redis may have dropped some for a slow reader, so trust none
            return True
        except (RedisError, OSError, AttributeError, ValueError) as error:
            logger.warning("the page cache's change channel broke (%s); dropping this process's copy", error)
            self._close()
            return False

    def _subscribe(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        pubsub = None
        try:
            pubsub = _Subscription(redis_client().connection_pool)
            pubsub.subscribe(_channel())
            # Until Redis confirms, a change could be published unseen: wait for it (bounded by the socket timeout).
            confirmed = pubsub.get_message(timeout=settings.REDIS_TIMEOUT)
            if confirmed is None or confirmed["type"] != "subscribe":
                raise RedisError("no subscription confirmed")
        except (RedisError, OSError) as error:
            logger.warning("could not subscribe to the page cache's change channel: %s", error)
            if pubsub is not None:
                pubsub.reset()
            self._retry_at = time.monotonic() + PAUSE_SECONDS
            return False
        self._pubsub = pubsub
        self._drop_all()  # what was kept before may have changed while nobody listened
        return True

    def _close(self) -> None:
        # A broken connection may fail to close too; it is dropped either way.
        with contextlib.suppress(RedisError, OSError):
            self._pubsub.reset()
        self._pubsub = None
        self._retry_at = time.monotonic() + PAUSE_SECONDS
        self._drop_all()


process_copy = ProcessCopy()


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.STOREFRONT_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


_LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


def _page_key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    # The host is part of the key: a custom domain's pages carry its own canonical URLs; and so is the language
    # the buyer picked (the cookie, read before the language middleware has run: with the store's settings, which
    # the content version covers, it decides the page's language), since the same URL is then shown translated.
    # (The store's schema is the key's prefix, added by the cache itself.)
    picked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "").strip().lower()
    language = picked if picked in _LANGUAGES else "-"
    return f"storefront:page:{request.get_host()}:{language}:{digest}"


def _hit(request: HttpRequest, entry: tuple[str, str, bytes, str, str], source: str) -> HttpResponse:
    _, content_type, body, language, route = entry
    # Answered before URL resolution: the route name of the page it copies, for the request metrics.
    request.route_name = route  # type: ignore[attr-defined]
    response = HttpResponse(body, content_type=content_type)
    response["X-Page-Cache"] = "hit"
    # Where the copy came from: this process's own ("process") or Redis ("redis"), for tests and diagnosis.
    response["X-Page-Cache-From"] = source
    # What the language middleware adds to the page it rendered (the fast path answers before it runs): the
    # page's language, and that another language cookie gets another page.
    response["Content-Language"] = language
    patch_vary_headers(response, ("Cookie",))
    return response


def _lookup(request: HttpRequest, key: str) -> HttpResponse | None:
    """The cached page for ``key`` if it was made under the store's current version: from this process's copy
    with no round trip, else from Redis in one."""
    schema = connection.schema_name
    memo_key = f"{_VERSION_KEY}:{schema}"
    kept, generation = process_copy.lookup(schema, key) if settings.STOREFRONT_PAGE_COPY else (None, None)
    if kept is not None:
        request_memo.remember(memo_key, lambda: kept[0])
        return _hit(request, kept, "process")
    found = cache.get_many([_VERSION_KEY, key])
    version, entry = found.get(_VERSION_KEY), found.get(key)
    read = version is not None  # else Redis had none, or could not be reached: nothing worth keeping
    if version is None:
        version = _start_version()
    request_memo.remember(memo_key, lambda: version)
    current = entry is not None and len(entry) == 5 and entry[0] == version  # an entry of another shape is a miss
    if generation is not None and read:
        process_copy.keep(schema, version, key, entry if current else None, generation)
    if entry is not None and current:
        return _hit(request, entry, "redis")
    setattr(request, _MISSED_KEY, key)
    return None


class CachedPageMiddleware:
    """Answers anonymous GETs of a store's cached pages before sessions, CSRF, auth and messages are looked at.

    Placed after routing (the store and its schema are known, the cache keys carry it), the request guard and the
    security, CSP and frame-options middleware (their headers are added to what it answers).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, "store", None) is not None and _cacheable(request):
            hit = _lookup(request, _page_key(request))
            if hit is not None:
                return hit
        return self.get_response(request)


def cached_store_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Store ``view``'s 200 answers to anonymous GET requests in the store's page cache (and serve them from it
    when ``CachedPageMiddleware`` has not already looked)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = getattr(request, _MISSED_KEY, None)
        if key is None:
            key = _page_key(request)
            hit = _lookup(request, key)
            if hit is not None:
                return hit
        version = content_version()  # the one this page is made under: a change during rendering outdates it
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            match = request.resolver_match
            route = match.view_name if match is not None else ""
            entry = (version, response["Content-Type"], response.content, translation.get_language(), route)
            cache.set(key, entry, PAGE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapped
