"""Whole-page cache for anonymous visitors of a store, keyed per store and dropped by any change to what it shows.

Each store has a content version in Redis; a cached page's key includes it, so bumping the version (on commit of
any catalog, stock, price, page, menu or theme change) makes every cached page of that store stale at once.
Each process remembers the version for at most ``VERSION_LOCAL_SECONDS``, so a change shows within a second.
Visitors with a session cookie (signed-in staff, buyers with a cart, whose header shows its count) always get
a fresh page, and such a page is never stored.
"""

import hashlib
import secrets
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from tenants.connection import connection

PAGE_SECONDS = 300
VERSION_LOCAL_SECONDS = 1.0
_VERSION_KEY = "storefront:content-version"
_local_versions: dict[str, tuple[float, str]] = {}


def content_version() -> str:
    schema = connection.schema_name
    now = time.monotonic()
    hit = _local_versions.get(schema)
    if hit is not None and hit[0] > now:
        return hit[1]
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = secrets.token_hex(4)
        # add(): of two processes starting a version at once, both end up using the same one.
        if not cache.add(_VERSION_KEY, version, None):
            version = cache.get(_VERSION_KEY) or version
    _local_versions[schema] = (now + VERSION_LOCAL_SECONDS, version)
    return version


def invalidate_store_pages(*, schema_name: str | None = None) -> None:
    """Make every cached page of a store (the current one by default) stale, now and again on commit."""
    schema = schema_name or connection.schema_name

    def bump() -> None:
        from django_tenants.utils import schema_context

        with schema_context(schema):
            cache.set(_VERSION_KEY, secrets.token_hex(4), None)
        _local_versions.pop(schema, None)

    # Now, so this transaction's own later requests see fresh pages; after the commit, because another
    # request may have cached a page of the old content in between.
    bump()
    transaction.on_commit(bump)


def cached_store_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view`` from the store's page cache to anonymous GET requests; store its 200 answers there."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if (
            not settings.STOREFRONT_PAGE_CACHE
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        # The host is part of the key: a custom domain's pages carry its own canonical URLs; and so is the
        # language, since a buyer who picked another of the store's languages sees the same URL translated.
        language = translation.get_language()
        key = f"storefront:page:{content_version()}:{request.get_host()}:{language}:{digest}"
        hit = cache.get(key)
        if hit is not None:
            content_type, body = hit
            response = HttpResponse(body, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, (response["Content-Type"], response.content), PAGE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapped
