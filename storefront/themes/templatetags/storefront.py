"""Template helpers for store pages: prices in the store's currency, listing links, the store's stylesheet."""

from decimal import Decimal
from typing import Protocol

from django import template

from platform.kit.money import format_money

register = template.Library()


class PagedListing(Protocol):
    """What a listing page hands its pagination links (storefront.browse.Listing), without importing it."""

    def query_string(self, *, page: int) -> str: ...


@register.filter
def money(amount: Decimal | None, currency: str = "USD") -> str:
    return format_money(amount, currency)


@register.filter
def brand_stylesheet(profile: object) -> str:
    """The address of the store's own stylesheet (its colours and hero picture), versioned by its content."""
    from storefront.themes.models import StoreProfile
    from storefront.themes.stylesheet import brand_css_url

    return brand_css_url(profile) if isinstance(profile, StoreProfile) else "/store.css"


@register.filter
def call_query_string(listing: PagedListing, page: int) -> str:
    """The listing's query string for another page, keeping sort and filters."""
    return listing.query_string(page=page)
