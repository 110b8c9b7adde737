"""Rendering a store's pages in its theme, with what every page shows (profile, menu), for every app."""

from collections.abc import Callable
from typing import cast

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from storefront.page_cache import content_version
from tenants.connection import connection

from .language import language_alternates
from .models import StoreProfile
from .selectors import menu_in_page_language, navigation, store_profile

# Per store (schema): the content version and what this process has read under it. Everything kept here is fixed
# for a given version, since every change to it moves the version on (see page_cache), so an entry is never stale
# and needs no expiry; each new version replaces the store's entry. Bounded, oldest store out first.
_BY_VERSION_STORES = 512
_by_version: dict[str, tuple[str, dict[str, object]]] = {}


def per_content_version[T](name: str, load: Callable[[], T]) -> T:
    """``load()`` once per store, content version and process: a Redis round trip and an unpickling saved on
    every request that follows."""
    schema, version = connection.schema_name, content_version()
    entry = _by_version.get(schema)
    if entry is None or entry[0] != version:
        _by_version.pop(schema, None)
        while len(_by_version) >= _BY_VERSION_STORES:
            _by_version.pop(next(iter(_by_version)))
        entry = _by_version[schema] = (version, {})
    values = entry[1]
    if name not in values:
        values[name] = load()
    return cast(T, values[name])  # each name is only ever stored by the same load()


def themed_profile() -> StoreProfile:
    """The store profile for the buyer pages. Every change to it moves the content version on (its services call
    ``invalidate_store_pages``), so it is read once per version rather than from Redis on every request."""
    return per_content_version("profile", store_profile)


def store_menu() -> list:
    """The store's menu, the same on every page: kept in Redis under the store's content version, which every
    change to pages or the menu moves on; its links carry every language's label."""
    key = f"storefront:menu:{content_version()}"

    def load() -> list:
        found = cache.get(key)
        if found is None:
            found = navigation()
            cache.set(key, found, 3600)
        return found

    return per_content_version("menu", load)


def render_themed(
    request: HttpRequest, template: str, context: dict, status: int = 200, *, fallback: str | None = None
) -> HttpResponse:
    """Render ``template`` in the store's theme, falling back to the classic theme's (or ``fallback``)."""
    profile = themed_profile()
    context = {
        "profile": profile,
        "nav": menu_in_page_language(store_menu()),
        "theme": profile.theme,
        # One include renders all of a list's cards: an include per card costs more than the card itself.
        "card_templates": [f"themes/{profile.theme}/product_cards.html", "themes/classic/product_cards.html"],
        **language_alternates(request, profile.offered_languages()),
        **context,
    }
    templates = [f"themes/{profile.theme}/{template}", fallback or f"themes/classic/{template}"]
    return render(request, templates, context, status=status)
