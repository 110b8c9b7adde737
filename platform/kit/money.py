"""Money in a store's currency: exact `Decimal` amounts checked against the currency's minor unit, never floats."""

import re
from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

DEFAULT_CURRENCY = "USD"

# Digits after the decimal point per ISO 4217 code. Amounts are stored with two decimal places, so only currencies
# with 0 or 2 minor digits are offered; three-digit ones (KWD, BHD, ...) would need a wider column first.
CURRENCY_DECIMALS: dict[str, int] = {
    "AUD": 2,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "INR": 2,
    "ISK": 0,
    "JPY": 0,
    "KRW": 0,
    "MXN": 2,
    "NOK": 2,
    "NZD": 2,
    "PLN": 2,
    "SEK": 2,
    "SGD": 2,
    "USD": 2,
    "VND": 0,
    "ZAR": 2,
}

# The shape of every money column (see models): 12 digits, 2 of them after the point.
AMOUNT_MAX_DIGITS = 12
AMOUNT_DECIMAL_PLACES = 2
AMOUNT_LIMIT = Decimal(10) ** (AMOUNT_MAX_DIGITS - AMOUNT_DECIMAL_PLACES)


def currency_decimals(currency: str) -> int:
    try:
        return CURRENCY_DECIMALS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


# How a person writes an amount: ASCII digits with at most one decimal point, and a minus sign in front when it is
# negative. Decimal() reads much more — digits of other scripts ("١٢" is 12), exponents ("1e2" is 100), digit
# separators ("1_000"), a plus sign, "Infinity" — and none of it is something a seller typing a price meant.
_WRITTEN_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NOT_FINITE = re.compile(r"[-+]?(?:s?nan|inf|infinity)", re.IGNORECASE)


class NotAWrittenNumber(ValueError):
    """Text that is not a number as a person writes one; ``hint`` says what to change ("" when nothing specific)."""

    def __init__(self, hint: str, *, not_finite: bool = False) -> None:
        super().__init__(hint)
        self.hint, self.not_finite = hint, not_finite


def read_written_number(text: str) -> Decimal:
    """The number in ``text``, surrounding spaces ignored, keeping the decimal places written ("12.500" has three).

    Raises ``NotAWrittenNumber`` for anything but ASCII digits with at most one decimal point and an optional
    leading minus sign; its hint names the likely slip, for the caller's message.
    """
    text = text.strip()
    if _WRITTEN_NUMBER.fullmatch(text):
        return Decimal(text)
    if _NOT_FINITE.fullmatch(text):
        raise NotAWrittenNumber("", not_finite=True)
    if any(char.isdigit() and not "0" <= char <= "9" for char in text):
        raise NotAWrittenNumber(gettext("written with the digits 0-9"))
    if re.search(r"[0-9.][eE][-+]?[0-9]", text):
        raise NotAWrittenNumber(gettext("written out in full (100, not 1e2)"))
    if re.search(r"[0-9][,_\s'][0-9]", text):
        raise NotAWrittenNumber(
            gettext("with a point for decimals and nothing between the digits (1234.50, not 1,234.50)")
        )
    if text.startswith("+"):
        raise NotAWrittenNumber(gettext("without a plus sign"))
    if text.count(".") > 1:
        raise NotAWrittenNumber(gettext("with at most one decimal point"))
    raise NotAWrittenNumber("")


# The field an amount is for when the caller names none. Lazy, like every caller's label: the message is written in
# the language active when it is raised (the page's, the API request's, or the store's in a worker).
PRICE_LABEL = gettext_lazy("Price")


def parse_amount(value: object, *, currency: str, label: str | Promise = PRICE_LABEL) -> Decimal:
    """Turn input (text a person wrote, an int or a Decimal) into an amount valid in ``currency``.

    This is the one parser of money for every way in: dashboard forms, API bodies and query strings, CSV imports.
    Text must be ASCII digits with at most one decimal point and at most the currency's decimal places ("12.50",
    "12.5", "12", never "12.500" in USD or "1e2"). Raises ``ValidationError`` with a message a seller can act on,
    and nothing else. Floats are refused: a binary float cannot hold most prices exactly (0.1 + 0.2), and
    accepting them would hide that bug upstream. ``label`` names the field at the start of the message; pass a
    lazily translated one (``gettext_lazy("Price")``) so the message is in the reader's language throughout.
    """
    places = currency_decimals(currency)
    # Named placeholders: a translation puts the field's name and the values where its grammar wants them.
    named = {"label": label, "currency": currency}
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(gettext("%(label)s is required.") % named, code="required")
    if isinstance(value, bool | float):
        message = gettext('%(label)s must be sent as a decimal string such as "12.50", not a float.')
        raise ValidationError(message % named, code="float")
    written_places = 0
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value  # exact already (code, not a person, made it); its value is checked below
    elif isinstance(value, str):
        try:
            amount = read_written_number(value)
        except NotAWrittenNumber as error:
            if error.not_finite:
                message = gettext("%(label)s must be a finite number, not %(value)s.")
                raise ValidationError(message % {**named, "value": value.strip()}, code="not_finite") from None
            if error.hint:
                message = gettext("%(label)s must be a number such as 12.50, %(hint)s.")
            else:
                message = gettext("%(label)s must be a number such as 12.50.")
            raise ValidationError(message % {**named, "hint": error.hint}, code="invalid") from None
        written_places = -min(amount.as_tuple().exponent, 0)  # type: ignore[operator]
    else:
        raise ValidationError(gettext("%(label)s must be a number such as 12.50.") % named, code="invalid")
    if not amount.is_finite():
        message = gettext("%(label)s must be a finite number, not %(value)s.")
        raise ValidationError(message % {**named, "value": value}, code="not_finite")
    if amount < 0:
        raise ValidationError(gettext("%(label)s cannot be negative.") % named, code="negative")
    if amount >= AMOUNT_LIMIT:
        message = gettext("%(label)s must be less than %(limit)s.")
        raise ValidationError(message % {**named, "limit": f"{AMOUNT_LIMIT:,}"}, code="too_large")
    quantum = Decimal(1).scaleb(-places)
    if written_places > places or amount != amount.quantize(quantum):
        if places == 0:
            message = gettext("%(label)s in %(currency)s can have no decimal places.")
        else:
            message = gettext("%(label)s in %(currency)s can have at most %(places)s decimal places.")
        raise ValidationError(message % {**named, "places": places}, code="decimal_places")
    # `+ 0` turns a negative zero into zero; quantize gives the currency's own shape (12.50, 1500).
    return amount.quantize(quantum) + 0


def format_amount(amount: Decimal, *, currency: str) -> str:
    """The amount as the currency writes it: "12.50" in USD, "1500" in JPY."""
    places = currency_decimals(currency)
    return str(amount.quantize(Decimal(1).scaleb(-places)))


# How buyers and sellers read an amount: the currency's symbol where it has an unambiguous one, else its code.
# CNY and JPY share "¥": a store sells in one currency, and the minor digits tell them apart ("¥128.50", "¥1,500").
SYMBOLS = {
    "USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "CHF": "CHF ", "SEK": "SEK ", "CNY": "¥",
}  # fmt: skip


@lru_cache(maxsize=64)
def _currency_format(currency: str) -> tuple[str, int]:
    """The symbol and minor digits of ``currency``: fixed per code, so worked out once per process."""
    try:
        places = currency_decimals(currency)
    except ValueError:
        places = 2
    return SYMBOLS.get(currency, currency + " "), places


def format_money(amount: Decimal | None, currency: str = "USD") -> str:
    """``amount`` as people read it in ``currency``: symbol, thousands separators, the currency's minor digits
    ("$1,234.50", "¥1,500", "NOK 120.00"); "" for None."""
    if amount is None:
        return ""
    symbol, places = _currency_format(currency)
    # The sign before the symbol ("-$54.10", a month whose refunds took back more than was paid out), never "$-54.10".
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.{places}f}"
