"""Template helpers for store pages: prices in the store's currency."""

from decimal import Decimal

from django import template

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "CHF": "CHF ", "SEK": "SEK "}
ZERO_DECIMAL = {"JPY"}


@register.filter
def money(amount: Decimal | None, currency: str = "USD") -> str:
    if amount is None:
        return ""
    places = 0 if currency in ZERO_DECIMAL else 2
    return f"{SYMBOLS.get(currency, currency + ' ')}{amount:,.{places}f}"
