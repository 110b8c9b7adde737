"""Whole-page cache for anonymous visitors of a store, keyed per store and dropped by any change to what it shows.

Each store has a content version in Redis; every cached page is stored with the version it was made under, and
is served only while that is still the store's version. Bumping the version (on commit of any catalog, stock,
price, page, menu or theme change) therefore makes every cached page of that store stale at once, in every
process: no process keeps the version between requests.

A hit is served by ``CachedPageMiddleware``, placed before the session, CSRF, auth and message middleware: one
Redis round trip (``MGET`` of the version and the page) and no database query. Visitors with a session or
messages cookie (signed-in staff and buyers, buyers with a cart, whose header shows its count) always get a fresh
page, and such a page is never stored; so are POSTs and every other method but GET and HEAD.
"""

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from platform.kit import request_memo
from tenants.connection import connection

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

    # Now, so this transaction's own later requests see fresh pages; after the commit, because another
    # request may have cached a page of the old content in between.
    bump()
    transaction.on_commit(bump)


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


def _hit(request: HttpRequest, entry: tuple[str, str, bytes, str, str]) -> HttpResponse:
    _, content_type, body, language, route = entry
    # Answered before URL resolution: the route name of the page it copies, for the request metrics.
    request.route_name = route  # type: ignore[attr-defined]
    response = HttpResponse(body, content_type=content_type)
    response["X-Page-Cache"] = "hit"
    # What the language middleware adds to the page it rendered (the fast path answers before it runs): the
    # page's language, and that another language cookie gets another page.
    response["Content-Language"] = language
    patch_vary_headers(response, ("Cookie",))
    return response


def _lookup(request: HttpRequest, key: str) -> HttpResponse | None:
    """The cached page for ``key`` if it was made under the store's current version: one round trip."""
    found = cache.get_many([_VERSION_KEY, key])
    version, entry = found.get(_VERSION_KEY), found.get(key)
    if version is None:
        version = _start_version()
    request_memo.remember(f"{_VERSION_KEY}:{connection.schema_name}", lambda: version)
    if entry is not None and len(entry) == 5 and entry[0] == version:  # an entry of another shape is a miss
        return _hit(request, entry)
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
