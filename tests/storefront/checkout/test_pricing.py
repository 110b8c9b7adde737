"""The totals computation on its own: every line, discount, shipping rate and tax mode, to the cent."""

from decimal import Decimal as D

import pytest

from storefront.pricing import (
    FIXED,
    FLAT,
    FREE_OVER,
    FREE_SHIPPING,
    PERCENTAGE,
    WEIGHT,
    Discount,
    Line,
    Rate,
    compute_totals,
    minor_units,
    rate_applies,
    returned_goods_refund,
    round_money,
    total_weight,
)

FLAT_5 = Rate(FLAT, D("5.00"))


def totals(lines, *, rate=FLAT_5, discount=None, tax="0", inclusive=False, places=2):
    return compute_totals(
        lines=lines, places=places, rate=rate, discount=discount, tax_rate=D(tax), prices_include_tax=inclusive
    )


def test_lines_and_subtotal_without_discount_or_tax():
    result = totals([Line(D("19.99"), 3), Line(D("0.01"), 1)])
    assert result.line_totals == (D("59.97"), D("0.01"))
    assert (result.subtotal, result.discount, result.shipping, result.tax, result.total) == (
        D("59.98"),
        D("0.00"),
        D("5.00"),
        D("0.00"),
        D("64.98"),
    )


def test_exclusive_tax_is_added_on_the_discounted_subtotal_and_rounded_half_up():
    # 10.05 x 1 = 10.05; 10 % of it is 1.005, which rounds half-up to 1.01 (banker's rounding would give 1.00).
    result = totals([Line(D("10.05"), 1)], tax="10")
    assert (result.tax, result.total, result.tax_included) == (D("1.01"), D("16.06"), False)


def test_inclusive_tax_is_the_part_of_the_discounted_prices_that_is_tax_and_leaves_the_total_alone():
    # 119.00 with 19 % included holds 19.00 of tax.
    result = totals([Line(D("119.00"), 1)], tax="19", inclusive=True)
    assert (result.subtotal, result.tax, result.shipping, result.total, result.tax_included) == (
        D("119.00"),
        D("19.00"),
        D("5.00"),
        D("124.00"),
        True,
    )


def test_inclusive_tax_rounds_half_up_too():
    # 10.00 with 10 % included: 10 x 10 / 110 = 0.90909... -> 0.91.
    assert totals([Line(D("10.00"), 1)], tax="10", inclusive=True).tax == D("0.91")


def test_percentage_discount_is_rounded_once_on_the_subtotal_and_tax_follows_it():
    # 3 x 3.33 = 9.99; 15 % off is 1.4985 -> 1.50; taxed 8.25 % on 8.49 = 0.700425 -> 0.70.
    result = totals([Line(D("3.33"), 3)], discount=Discount(PERCENTAGE, D("15")), tax="8.25")
    assert (result.subtotal, result.discount, result.tax, result.total) == (
        D("9.99"),
        D("1.50"),
        D("0.70"),
        D("14.19"),
    )
    assert result.total == result.subtotal - result.discount + result.shipping + result.tax


def test_a_fixed_discount_is_capped_at_the_subtotal():
    assert totals([Line(D("12.00"), 1)], discount=Discount(FIXED, D("5"))).discount == D("5.00")
    capped = totals([Line(D("12.00"), 1)], discount=Discount(FIXED, D("20.00")), tax="20")
    assert (capped.discount, capped.tax, capped.total) == (D("12.00"), D("0.00"), D("5.00"))


def test_a_hundred_percent_discount_leaves_only_shipping():
    result = totals([Line(D("7.77"), 2)], discount=Discount(PERCENTAGE, D("100")))
    assert (result.discount, result.total) == (D("15.54"), D("5.00"))


def test_free_shipping_discount_zeroes_shipping_and_takes_nothing_off_the_items():
    result = totals([Line(D("20.00"), 1)], discount=Discount(FREE_SHIPPING), tax="5")
    assert (result.discount, result.shipping, result.tax, result.total) == (D("0.00"), D("0.00"), D("1.00"), D("21.00"))


def test_no_rate_chosen_means_no_shipping_yet():
    assert totals([Line(D("1.00"), 1)], rate=None).shipping == D("0.00")


def test_zero_decimal_currency_rounds_to_whole_units():
    # JPY: 333 x 3 = 999; 10 % off is 99.9 -> 100; 8 % tax on 899 = 71.92 -> 72.
    result = totals(
        [Line(D("333"), 3)], rate=Rate(FLAT, D("500")), discount=Discount(PERCENTAGE, D("10")), tax="8", places=0
    )
    assert (result.subtotal, result.discount, result.shipping, result.tax, result.total) == (
        D("999"),
        D("100"),
        D("500"),
        D("72"),
        D("1471"),
    )
    assert minor_units(result.total, 0) == 1471


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.005", "0.01"), ("0.015", "0.02"), ("0.025", "0.03"), ("2.675", "2.68"), ("1.004", "1.00")],
)
def test_round_money_is_half_up(amount, expected):
    assert round_money(D(amount), 2) == D(expected)


def test_minor_units_for_stripe():
    assert minor_units(D("64.98"), 2) == 6498
    assert minor_units(D("0.10"), 2) == 10


def test_flat_rate_always_applies():
    assert rate_applies(FLAT_5, weight_grams=999_999, discounted_subtotal=D("0")) is True


def test_weight_band_is_min_inclusive_and_max_exclusive():
    band = Rate(WEIGHT, D("7.00"), min_weight_grams=1000, max_weight_grams=5000)
    assert [rate_applies(band, weight_grams=w, discounted_subtotal=D("1")) for w in (999, 1000, 4999, 5000)] == [
        False,
        True,
        True,
        False,
    ]
    open_ended = Rate(WEIGHT, D("12.00"), min_weight_grams=5000)
    assert rate_applies(open_ended, weight_grams=50_000, discounted_subtotal=D("1")) is True


def test_free_over_applies_from_the_threshold_and_costs_nothing():
    free = Rate(FREE_OVER, D("9.00"), min_subtotal=D("50.00"))
    assert rate_applies(free, weight_grams=0, discounted_subtotal=D("49.99")) is False
    assert rate_applies(free, weight_grams=0, discounted_subtotal=D("50.00")) is True
    assert totals([Line(D("50.00"), 1)], rate=free).shipping == D("0.00")


def test_total_weight_counts_quantities():
    assert total_weight([Line(D("1"), 3, 250), Line(D("1"), 2, 1000)]) == 2750


def _returned(order, list_price, places=2):
    return returned_goods_refund(
        returned_list_price=D(list_price), subtotal=order.subtotal, total=order.total, shipping=order.shipping,
        places=places,
    )  # fmt: skip


def test_a_returned_unit_gives_back_what_was_paid_for_it_after_the_discount_with_its_tax():
    # 2 x 99.00, half off, 5.00 shipping, 10% added tax: 198.00 - 99.00 + 5.00 + 9.90 = 113.90.
    order = totals([Line(D("99.00"), 2)], discount=Discount(PERCENTAGE, D("50")), tax="10")
    assert order.total == D("113.90")
    assert _returned(order, "99.00") == D("54.45")  # 49.50 + its 4.95 of tax, not its 99.00 list price
    assert _returned(order, "198.00") == order.total - order.shipping  # everything back but the shipping


def test_a_returned_unit_of_a_tax_inclusive_order_with_a_fixed_discount():
    # 30.00 + 10.00 with 8.00 off: the 10.00 item carries a quarter of the discount.
    order = totals(
        [Line(D("30.00"), 1), Line(D("10.00"), 1)], discount=Discount(FIXED, D("8.00")), tax="20", inclusive=True
    )
    assert order.total == D("37.00")
    assert _returned(order, "10.00") == D("8.00")
    assert _returned(order, "30.00") + _returned(order, "10.00") == order.total - order.shipping


def test_returns_round_half_up_in_whole_units_for_zero_decimal_currencies():
    order = totals([Line(D("999"), 3)], rate=Rate(FLAT, D("500")), discount=Discount(FIXED, D("100")), places=0)
    assert _returned(order, "999", places=0) == D("966")  # 2897 x 999 / 2997 = 965.67
