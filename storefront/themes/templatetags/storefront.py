"""Template helpers for store pages: prices in the store's currency, listing links, the store's stylesheet."""

from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from django import template

register = template.Library()


class PagedListing(Protocol):
    """What a listing page hands its pagination links (storefront.browse.Listing), without importing it."""

    def query_string(self, *, page: int) -> str: ...


SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "CHF": "CHF ", "SEK": "SEK "}


@lru_cache(maxsize=64)
def _currency_format(currency: str) -> tuple[str, int]:
    """The symbol and minor digits of ``currency``: fixed per code, so worked out once per process."""
    from platform.kit.money import currency_decimals

    try:
        places = currency_decimals(currency)
    except ValueError:
        places = 2
    return SYMBOLS.get(currency, currency + " "), places


def format_money(amount: Decimal | None, currency: str = "USD") -> str:
    """``amount`` as buyers read it in ``currency``: symbol, thousands separators, the currency's minor digits."""
    if amount is None:
        return ""
    symbol, places = _currency_format(currency)
    return f"{symbol}{amount:,.{places}f}"


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
