"""GTINs (the barcode numbers EAN-8, UPC-A, EAN-13, GTIN-14): validation by check digit and one canonical form."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The check digit of ``body`` (a GTIN without its last digit): weights 3 and 1 alternate from the right."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(value: str) -> str:
    """``value`` without spaces or hyphens, left-padded with zeros to 14 digits ("" stays "").

    EAN-13 4006381333931 and GTIN-14 04006381333931 are the same number: padding makes them one key.
    Raises ValidationError when the value is not 8, 12, 13 or 14 digits or its check digit is wrong.
    """
    digits = "".join(value.split()).replace("-", "")
    if not digits:
        return ""
    if not digits.isascii() or not digits.isdigit() or len(digits) not in GTIN_LENGTHS:
        raise ValidationError(gettext("A GTIN (barcode number) has 8, 12, 13 or 14 digits."), code="gtin_length")
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        raise ValidationError(
            gettext("This GTIN's check digit is wrong: check the number on the barcode."), code="gtin_check_digit"
        )
    return digits.zfill(14)


def validate_gtin(value: str) -> None:
    """A model/form validator: accepts an empty value or a well-formed GTIN."""
    normalize_gtin(value)
