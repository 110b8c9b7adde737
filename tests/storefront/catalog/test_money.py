"""Money is exact: Decimal in the store's currency, never negative, never NaN or infinite, never a float."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from platform.kit.money import format_amount, parse_amount
from storefront.themes.selectors import store_currency


def test_a_new_store_sells_in_usd(store_a):
    from django_tenants.utils import schema_context

    with schema_context(store_a.schema_name):
        assert store_currency() == "USD"


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("12.5", "USD", Decimal("12.50")),
        ("12.50", "EUR", Decimal("12.50")),
        (" 0 ", "USD", Decimal("0.00")),
        ("-0", "USD", Decimal("0.00")),
        (Decimal("19.990"), "USD", Decimal("19.99")),
        (7, "USD", Decimal("7.00")),
        ("1500", "JPY", Decimal("1500")),
        ("12.", "USD", Decimal("12.00")),
        (".5", "USD", Decimal("0.50")),
        ("0012.30", "USD", Decimal("12.30")),
        ("9999999999.99", "USD", Decimal("9999999999.99")),
    ],
)
def test_valid_amounts_come_back_in_the_currency_shape(value, currency, expected):
    amount = parse_amount(value, currency=currency)
    assert amount == expected and str(amount) == str(expected)


@pytest.mark.parametrize(
    ("value", "currency", "message"),
    [
        ("-1", "USD", "Price cannot be negative."),
        ("-0.01", "USD", "Price cannot be negative."),
        ("NaN", "USD", "Price must be a finite number, not NaN."),
        ("sNaN", "USD", "Price must be a finite number, not sNaN."),
        ("Infinity", "USD", "Price must be a finite number, not Infinity."),
        ("-inf", "USD", "Price must be a finite number, not -inf."),
        (Decimal("NaN"), "USD", "Price must be a finite number, not NaN."),
        ("12.345", "USD", "Price in USD can have at most 2 decimal places."),
        ("0.001", "EUR", "Price in EUR can have at most 2 decimal places."),
        ("12.500", "USD", "Price in USD can have at most 2 decimal places."),
        ("1500.5", "JPY", "Price in JPY can have no decimal places."),
        ("1500.00", "JPY", "Price in JPY can have no decimal places."),
        ("10000000000", "USD", "Price must be less than 10,000,000,000."),
        ("1E-100", "USD", "Price must be a number such as 12.50, written out in full (100, not 1e2)."),
        ("1E+100", "USD", "Price must be a number such as 12.50, written out in full (100, not 1e2)."),
        ("1e2", "USD", "Price must be a number such as 12.50, written out in full (100, not 1e2)."),
        ("\u0661\u0662", "USD", "Price must be a number such as 12.50, written with the digits 0-9."),
        ("\uff11\uff12", "USD", "Price must be a number such as 12.50, written with the digits 0-9."),
        (
            "1_000",
            "USD",
            "Price must be a number such as 12.50, with a point for decimals and nothing between the digits "
            "(1234.50, not 1,234.50).",
        ),
        (
            "12,50",
            "USD",
            "Price must be a number such as 12.50, with a point for decimals and nothing between the digits "
            "(1234.50, not 1,234.50).",
        ),
        ("+12", "USD", "Price must be a number such as 12.50, without a plus sign."),
        ("1.2.3", "USD", "Price must be a number such as 12.50, with at most one decimal point."),
        ("twelve", "USD", "Price must be a number such as 12.50."),
        ("$12", "USD", "Price must be a number such as 12.50."),
        (".", "USD", "Price must be a number such as 12.50."),
        ("", "USD", "Price is required."),
        (None, "USD", "Price is required."),
        (12.5, "USD", 'Price must be sent as a decimal string such as "12.50", not a float.'),
        (True, "USD", 'Price must be sent as a decimal string such as "12.50", not a float.'),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(value, currency, message):
    with pytest.raises(ValidationError) as caught:
        parse_amount(value, currency=currency)
    assert caught.value.messages == [message]


def test_amounts_are_written_as_the_currency_writes_them():
    assert format_amount(Decimal("12.5"), currency="USD") == "12.50"
    assert format_amount(Decimal("1500.00"), currency="JPY") == "1500"
    assert format_amount(Decimal("3"), currency="EUR") == "3.00"


def test_cny_has_two_decimals_and_the_yuan_sign():
    from platform.kit.money import format_money
    from storefront.pricing import minor_units

    assert parse_amount("128.50", currency="CNY") == Decimal("128.50")
    with pytest.raises(ValidationError, match=r"Price in CNY can have at most 2 decimal places\."):
        parse_amount("128.505", currency="CNY")
    assert format_amount(Decimal("128.5"), currency="CNY") == "128.50"
    assert format_money(Decimal("1234.5"), "CNY") == "¥1,234.50"
    assert minor_units(Decimal("128.50"), 2) == 12850
