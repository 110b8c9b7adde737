"""Money in a store's currency: exact `Decimal` amounts checked against the currency's minor unit, never floats."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

DEFAULT_CURRENCY = "USD"

# Digits after the decimal point per ISO 4217 code. Amounts are stored with two decimal places, so only currencies
# with 0 or 2 minor digits are offered; three-digit ones (KWD, BHD, ...) would need a wider column first.
CURRENCY_DECIMALS: dict[str, int] = {
    "AUD": 2,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
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


def parse_amount(value: object, *, currency: str, label: str = "Price") -> Decimal:
    """Turn user input (a string, an int or a Decimal) into an amount valid in ``currency``.

    Raises ``ValidationError`` with a message a seller can act on. Floats are refused: a binary float cannot hold
    most prices exactly (0.1 + 0.2), and accepting them would hide that bug upstream.
    """
    places = currency_decimals(currency)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"{label} is required.", code="required")
    if isinstance(value, bool | float):
        raise ValidationError(f'{label} must be sent as a decimal string such as "12.50", not a float.', "float")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(f"{label} must be a number such as 12.50.", code="invalid") from None
    else:
        raise ValidationError(f"{label} must be a number such as 12.50.", code="invalid")
    if not amount.is_finite():
        raise ValidationError(f"{label} must be a finite number, not {value}.", code="not_finite")
    if amount < 0:
        raise ValidationError(f"{label} cannot be negative.", code="negative")
    if amount >= AMOUNT_LIMIT:
        raise ValidationError(f"{label} must be less than {AMOUNT_LIMIT:,}.", code="too_large")
    quantum = Decimal(1).scaleb(-places)
    if amount != amount.quantize(quantum):
        unit = "no decimal places" if places == 0 else f"at most {places} decimal places"
        raise ValidationError(f"{label} in {currency} can have {unit}.", code="decimal_places")
    # `+ 0` turns a negative zero into zero; quantize gives the currency's own shape (12.50, 1500).
    return amount.quantize(quantum) + 0


def format_amount(amount: Decimal, *, currency: str) -> str:
    """The amount as the currency writes it: "12.50" in USD, "1500" in JPY."""
    places = currency_decimals(currency)
    return str(amount.quantize(Decimal(1).scaleb(-places)))
