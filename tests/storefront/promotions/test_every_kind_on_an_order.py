"""Every kind of promotion on a real order, in a two-decimal currency with tax added and in yen with tax included:
each line and each total worked out by hand (round half up at every step, docs/checkout.md)."""

from decimal import Decimal

import pytest

from storefront.promotions.models import Promotion
from tests.storefront.checkout.support import in_store, make_shipping, make_variant
from tests.storefront.promotions.test_bundles_and_free_shipping import running, yen_shipping
from tests.storefront.promotions.test_promoted_orders import order_for, totals

# USD: 24.99 a unit, 8.25 % tax added, 5.00 shipping. JPY: 2480 a unit, 10 % tax included, 800 shipping.
PRICE = {"USD": "24.99", "JPY": "2480"}

KINDS = {
    "percentage": lambda ids, money: {"kind": "percentage", "value": "20", "product_ids": ids},
    "amount off each unit": lambda ids, money: {"kind": "fixed", "value": money("3.50", "300"), "product_ids": ids},
    "quantity tier": lambda ids, money: {"kind": "percentage", "value": "10", "product_ids": ids, "min_quantity": 3},
    "buy 2 get 1 free": lambda ids, money: {"kind": "buy_x_get_y", "value": "100", "product_ids": ids,
                                            "buy_quantity": 2, "get_quantity": 1},
    "free shipping": lambda ids, money: {"kind": "free_shipping", "target": "all", "min_subtotal": money("40", "4000")},
    "flash sale": lambda ids, money: {"kind": "percentage", "value": "30", "product_ids": ids, "unit_cap": 5},
}  # fmt: skip

# (kind, currency, units, (unit price, line total, taken by promotions), (subtotal, code, shipping, tax, total))
CASES = [
    # 20 % of 24.99 = 4.998 -> 5.00 off: 19.99 x 2 = 39.98; tax 8.25 % = 3.29835 -> 3.30; 39.98 + 5.00 + 3.30.
    ("percentage", "USD", 2, ("19.99", "39.98", "10.00"), ("39.98", "0", "5.00", "3.30", "48.28")),
    # 20 % of 2480 = 496 off: 1984 x 2 = 3968; tax inside 3968 x 10 / 110 = 360.73 -> 361; 3968 + 800.
    ("percentage", "JPY", 2, ("1984", "3968", "992"), ("3968", "0", "800", "361", "4768")),
    # 3.50 off each: 21.49 x 2 = 42.98; tax 3.54585 -> 3.55; 42.98 + 5.00 + 3.55.
    ("amount off each unit", "USD", 2, ("21.49", "42.98", "7.00"), ("42.98", "0", "5.00", "3.55", "51.53")),
    # 300 off each: 2180 x 2 = 4360; tax inside 396.36 -> 396; 4360 + 800.
    ("amount off each unit", "JPY", 2, ("2180", "4360", "600"), ("4360", "0", "800", "396", "5160")),
    # Three units reach the tier: 10 % of 24.99 = 2.499 -> 2.50 off, 22.49 x 3 = 67.47; tax 5.566275 -> 5.57.
    ("quantity tier", "USD", 3, ("22.49", "67.47", "7.50"), ("67.47", "0", "5.00", "5.57", "78.04")),
    # 10 % of 2480 = 248 off: 2232 x 3 = 6696; tax inside 608.73 -> 609; 6696 + 800.
    ("quantity tier", "JPY", 3, ("2232", "6696", "744"), ("6696", "0", "800", "609", "7496")),
    # Three units make one group: one free. 74.97 - 24.99 = 49.98; tax 4.12335 -> 4.12; 49.98 + 5.00 + 4.12.
    ("buy 2 get 1 free", "USD", 3, ("24.99", "49.98", "24.99"), ("49.98", "0", "5.00", "4.12", "59.10")),
    # 7440 - 2480 = 4960; tax inside 450.91 -> 451; 4960 + 800.
    ("buy 2 get 1 free", "JPY", 3, ("2480", "4960", "2480"), ("4960", "0", "800", "451", "5760")),
    # 49.98 reaches 40.00: shipping 0.00; tax 4.12; 49.98 + 4.12.
    ("free shipping", "USD", 2, ("24.99", "49.98", "0.00"), ("49.98", "0", "0.00", "4.12", "54.10")),
    # 4960 reaches 4000: shipping 0; tax inside 451; total 4960.
    ("free shipping", "JPY", 2, ("2480", "4960", "0"), ("4960", "0", "0", "451", "4960")),
    # 30 % of 24.99 = 7.497 -> 7.50 off: 17.49 x 2 = 34.98; tax 2.88585 -> 2.89; 34.98 + 5.00 + 2.89.
    ("flash sale", "USD", 2, ("17.49", "34.98", "15.00"), ("34.98", "0", "5.00", "2.89", "42.87")),
    # 30 % of 2480 = 744 off: 1736 x 2 = 3472; tax inside 315.64 -> 316; 3472 + 800.
    ("flash sale", "JPY", 2, ("1736", "3472", "1488"), ("3472", "0", "800", "316", "4272")),
]


@pytest.mark.parametrize(("kind", "currency", "units", "line", "expected"), CASES)
def test_each_kind_of_promotion_on_a_real_order(store_a, kind, currency, units, line, expected):
    with in_store(store_a):
        variant = make_variant("Field Notebook", PRICE[currency])
        if currency == "USD":
            _, rate = make_shipping(tax="8.25")
        else:
            rate = yen_shipping()

        def money(dollars: str, yen: str) -> str:
            return dollars if currency == "USD" else yen

        fields = KINDS[kind]([variant.product_id], money)
        promotion = running(f"Promo: {kind}", fields.pop("kind"), fields.pop("value", ""), currency=currency,
                            **fields)  # fmt: skip

        order = order_for([(variant, units)], rate=rate, currency=currency, prices_include_tax=currency == "JPY")

        saved = order.lines.get()
        assert (saved.unit_price, saved.line_total, saved.promotion_discount) == tuple(Decimal(v) for v in line)
        assert totals(order) == tuple(Decimal(value) for value in expected)
        assert order.prices_include_tax is (currency == "JPY")
        if kind == "free shipping":
            assert (order.shipping_promotion, saved.promotion_name) == (promotion.name, "")
        else:
            assert (order.shipping_promotion, saved.promotion_name) == ("", promotion.name)
        if kind == "flash sale":
            assert Promotion.objects.get(pk=promotion.pk).units_sold == units
