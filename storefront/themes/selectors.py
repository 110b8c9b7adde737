"""Reads of the current store's design and content."""

from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.utils import translation
from django_tenants.utils import schema_context

from platform.kit import request_memo
from platform.kit.money import DEFAULT_CURRENCY
from storefront.page_cache import invalidate_store_pages
from tenants.connection import connection

from .models import DEFAULT_TIMEZONE, NavigationLink, Page, PageTranslation, StoreProfile
from .translated import in_page_language, page_language_row

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


def translatable_languages() -> list[str]:
    """The languages a store's own content (products, collections, pages, menu) may be translated into: the
    store's offered ones but its default, which the content's own fields are written in."""
    return store_profile().offered_languages()[1:]


def navigation() -> list[NavigationLink]:
    """The header menu, leaving out links to unpublished pages, each with its labels in every language (the menu
    is cached once for all of them; ``menu_in_page_language`` picks)."""
    visible = Q(page__isnull=True) | Q(page__is_published=True)
    return list(NavigationLink.objects.select_related("page").filter(visible).prefetch_related("translations"))


def menu_in_page_language(links: list[NavigationLink]) -> list[NavigationLink]:
    """``links`` (from ``navigation``) labelled in the page's language, each falling back to its own label."""
    shown = []
    for link in links:
        row = page_language_row(link.translations.all())
        shown.append(in_page_language(link, {"label": row.label} if row else None))
    return shown


def published_page(slug: str) -> Page | None:
    """A published page as buyers read it: its title and body in the page's language where it is translated into
    it, else its own. The translation comes in the page's own query, so translating costs no statement."""
    translated = PageTranslation.objects.filter(page_id=OuterRef("pk"), language=translation.get_language())
    found = (
        Page.objects.filter(slug=slug, is_published=True)
        .annotate(shown_text=Subquery(translated.values(json=JSONObject(title="title", body="body"))[:1]))
        .first()
    )
    return in_page_language(found, found.shown_text) if found is not None else None


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
