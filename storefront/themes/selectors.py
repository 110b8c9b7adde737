"""Reads of the current store's design and content."""

import time

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django_tenants.utils import schema_context

from .models import NavigationLink, Page, StoreProfile

# Every store page and every price needs the profile; it changes rarely. Kept per process for a second (so a
# change reaches every worker within one) and in Redis (keys carry the schema) until the profile changes.
PROFILE_LOCAL_SECONDS = 1.0
PROFILE_SHARED_SECONDS = 3600
_PROFILE_KEY = "themes:profile"
_local_profiles: dict[str, tuple[float, StoreProfile]] = {}


def store_profile() -> StoreProfile:
    """The current store's profile, usually without a query."""
    schema = connection.schema_name
    now = time.monotonic()
    hit = _local_profiles.get(schema)
    if hit is not None and hit[0] > now:
        return hit[1]
    profile = cache.get(_PROFILE_KEY)
    if profile is None:
        # Provisioning creates the row; creating it here only covers a store made before profiles existed.
        profile, _ = StoreProfile.objects.get_or_create(pk=1)
        cache.set(_PROFILE_KEY, profile, PROFILE_SHARED_SECONDS)
    _local_profiles[schema] = (now + PROFILE_LOCAL_SECONDS, profile)
    return profile


def forget_store_profile() -> None:
    """Called by the services that change the profile, once their change commits."""
    schema = connection.schema_name

    def forget() -> None:
        _local_profiles.pop(schema, None)
        with schema_context(schema):
            cache.delete(_PROFILE_KEY)

    transaction.on_commit(forget)


def navigation() -> list[NavigationLink]:
    """The header menu, leaving out links to unpublished pages."""
    visible = Q(page__isnull=True) | Q(page__is_published=True)
    return list(NavigationLink.objects.select_related("page").filter(visible))


def published_page(slug: str) -> Page | None:
    return Page.objects.filter(slug=slug, is_published=True).first()
