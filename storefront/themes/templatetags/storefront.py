"""Template helpers for store pages: prices in the store's currency, and listing links."""

from decimal import Decimal

from django import template

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "CHF": "CHF ", "SEK": "SEK "}


@register.filter
def money(amount: Decimal | None, currency: str = "USD") -> str:
    from storefront.catalog.money import currency_decimals

    if amount is None:
        return ""
    try:
        places = currency_decimals(currency)
    except ValueError:
        places = 2
    return f"{SYMBOLS.get(currency, currency + ' ')}{amount:,.{places}f}"


@register.filter
def call_query_string(listing: object, page: int) -> str:
    """The listing's query string for another page, keeping sort and filters."""
    return listing.query_string(page=page)  # type: ignore[attr-defined]
