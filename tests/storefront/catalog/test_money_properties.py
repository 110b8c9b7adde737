"""Properties of the one money parser (and the percent parser built on it), over inputs hypothesis makes up."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from platform.kit.money import AMOUNT_LIMIT, CURRENCY_DECIMALS, format_amount, parse_amount
from storefront.checkout.settings_services import parse_percent

# No example database (nothing to keep between runs) and no deadline: tests never judge by time.
PROPERTIES = settings(max_examples=300, deadline=None, database=None)
CURRENCIES = st.sampled_from(sorted(CURRENCY_DECIMALS))
# Everything a person could type in a box, including other scripts' digits, and nothing a browser can't send.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# Text built from the characters a number is made of, so the interesting near-misses come up often.
NUMBERISH_TEXT = st.text(st.sampled_from("0123456789.-+,_ eE\u0661\u0662\uff11\u00a0"), max_size=16)
# What an amount can be handed in as: text, the int and Decimal a program passes, and what it must not.
ANY_INPUT = st.one_of(
    ANY_TEXT,
    NUMBERISH_TEXT,
    st.integers(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(),
    st.booleans(),
    st.none(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
)


def amounts(places: int) -> st.SearchStrategy[Decimal]:
    """Every amount a store can hold in a currency with ``places`` decimal places."""
    top = int(AMOUNT_LIMIT * 10**places) - 1
    return st.integers(min_value=0, max_value=top).map(lambda units: Decimal(units).scaleb(-places))


@st.composite
def currency_and_amount(draw: st.DrawFn) -> tuple[str, Decimal]:
    currency = draw(CURRENCIES)
    return currency, draw(amounts(CURRENCY_DECIMALS[currency]))


@PROPERTIES
@given(currency_and_amount())
def test_every_amount_written_as_the_currency_writes_it_reads_back_the_same(case):
    currency, amount = case
    text = format_amount(amount, currency=currency)
    assert parse_amount(text, currency=currency) == amount
    assert format_amount(parse_amount(text, currency=currency), currency=currency) == text


@PROPERTIES
@given(currency_and_amount(), st.data())
def test_the_ways_a_person_shortens_an_amount_read_the_same(case, data):
    currency, amount = case
    whole, _, fraction = format_amount(amount, currency=currency).partition(".")
    # "12.50" may be typed as "12.5", "12.50", "12." or with spaces around; "0.50" as ".50".
    fraction = fraction[: data.draw(st.integers(len(fraction.rstrip("0")), len(fraction)))]
    point = "." if fraction or data.draw(st.booleans()) else ""
    if whole == "0" and fraction and data.draw(st.booleans()):
        whole = ""
    padding = data.draw(st.sampled_from(["", " ", "  ", "\t"]))
    assert parse_amount(f"{padding}{whole}{point}{fraction}{padding}", currency=currency) == amount


@PROPERTIES
@given(ANY_INPUT, CURRENCIES)
@example("\u0661\u0662", "USD")
@example("1e2", "USD")
@example("1_000", "USD")
@example(Decimal("sNaN"), "USD")
@example(Decimal("1E+999999"), "USD")
@example(Decimal("1E-999999"), "USD")
@example(10**5000, "USD")
def test_any_input_gives_a_valid_amount_or_a_validation_error_and_nothing_else(value, currency):
    try:
        amount = parse_amount(value, currency=currency)
    except ValidationError as error:
        assert len(error.messages) == 1 and error.messages[0].endswith(".")
        return
    places = CURRENCY_DECIMALS[currency]
    assert isinstance(amount, Decimal) and amount.is_finite()
    assert 0 <= amount < AMOUNT_LIMIT
    assert amount == amount.quantize(Decimal(1).scaleb(-places))


@PROPERTIES
@given(st.one_of(ANY_TEXT, NUMBERISH_TEXT), CURRENCIES)
def test_text_is_accepted_only_as_ascii_digits_with_one_optional_point(text, currency):
    places = CURRENCY_DECIMALS[currency]
    written = re.fullmatch(r"-?([0-9]*)(?:\.([0-9]*))?", text.strip())
    plain = written is not None and bool(written[1] or written[2])
    fits = plain and len(written[2] or "") <= places and Decimal(text.strip()) < AMOUNT_LIMIT
    fits = fits and not (text.strip().startswith("-") and Decimal(text.strip()) != 0)
    try:
        amount = parse_amount(text, currency=currency)
    except ValidationError:
        assert not fits, f"{text!r} is an amount a person writes, but was refused"
    else:
        assert fits, f"{text!r} was read as {amount}"
        assert amount == Decimal(text.strip())


@PROPERTIES
@given(st.one_of(ANY_TEXT, NUMBERISH_TEXT, st.integers(), st.decimals(allow_nan=True), st.floats(), st.none()))
@example("\u0668")
@example("8e0")
@example("8_25")
def test_a_percent_is_read_by_the_same_rules(value):
    try:
        rate = parse_percent(value)
    except ValidationError as error:
        assert len(error.messages) == 1
        return
    text = str(value).strip().removesuffix("%").strip()
    assert re.fullmatch(r"-?[0-9]*\.?[0-9]*", text), f"{value!r} was read as {rate}"
    assert 0 <= rate <= 100 and rate == Decimal(text)
