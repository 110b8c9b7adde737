"""Reads of the current store's design and content."""

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django_tenants.utils import schema_context

from platform.kit import request_memo
from platform.kit.money import DEFAULT_CURRENCY
from storefront.page_cache import invalidate_store_pages
from tenants.connection import connection

from .models import DEFAULT_TIMEZONE, NavigationLink, Page, StoreProfile

# Every store page and every price needs the profile, and it changes rarely: it is kept in Redis (keys carry
# the schema) until a service changes it, and remembered for the rest of the request once read.
PROFILE_SHARED_SECONDS = 3600
_PROFILE_KEY = "themes:profile"


def store_profile() -> StoreProfile:
    """The current store's profile, usually without a query."""
    return request_memo.remember(f"{_PROFILE_KEY}:{connection.schema_name}", _load_profile)


def _load_profile() -> StoreProfile:
    profile = cache.get(_PROFILE_KEY)
    if profile is None:
        # Provisioning creates the row; creating it here only covers a store made before profiles existed.
        profile, _ = StoreProfile.objects.get_or_create(pk=1)
        cache.set(_PROFILE_KEY, profile, PROFILE_SHARED_SECONDS)
    return profile


def forget_store_profile() -> None:
    """Called by the services that change the profile: forgets it now and again once the change commits.

    Now, so that the rest of this transaction reads the new row; after the commit, because another request
    may have cached the old row in between.
    """
    schema = connection.schema_name

    def forget() -> None:
        request_memo.forget(f"{_PROFILE_KEY}:{schema}")
        with schema_context(schema):
            cache.delete(_PROFILE_KEY)

    forget()
    transaction.on_commit(forget)
    invalidate_store_pages()


def navigation() -> list[NavigationLink]:
    """The header menu, leaving out links to unpublished pages."""
    visible = Q(page__isnull=True) | Q(page__is_published=True)
    return list(NavigationLink.objects.select_related("page").filter(visible))


def published_page(slug: str) -> Page | None:
    return Page.objects.filter(slug=slug, is_published=True).first()


def store_timezone() -> tzinfo:
    """The zone the current store's days are counted in: its profile's setting (Settings in the dashboard)."""
    try:
        return ZoneInfo(store_profile().timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone the time-zone database no longer knows (renamed upstream) must not take the dashboard down.
        return ZoneInfo(DEFAULT_TIMEZONE)


def store_currency() -> str:
    """The current store's currency code, as the seller set it in the dashboard's settings."""
    return store_profile().currency or DEFAULT_CURRENCY
