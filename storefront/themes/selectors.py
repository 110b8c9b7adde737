"""Reads of the current store's design and content."""

from django.db.models import Q

from .models import NavigationLink, Page, StoreProfile


def store_profile() -> StoreProfile:
    """The store's profile; provisioning creates it, so a missing one is only a fallback."""
    profile, _ = StoreProfile.objects.get_or_create(pk=1)
    return profile


def navigation() -> list[NavigationLink]:
    """The header menu, leaving out links to unpublished pages."""
    visible = Q(page__isnull=True) | Q(page__is_published=True)
    return list(NavigationLink.objects.select_related("page").filter(visible))


def published_page(slug: str) -> Page | None:
    return Page.objects.filter(slug=slug, is_published=True).first()
