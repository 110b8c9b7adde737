"""Buy X get Y and free shipping over an amount, priced into real orders: totals worked out by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from storefront.catalog.models import Tag
from storefront.checkout.models import ShippingRate, ShippingZone
from storefront.promotions.models import Promotion
from storefront.promotions.services import save_promotion
from tests.conftest import host_of
from tests.storefront.checkout.support import add, in_store, make_code, make_shipping, make_variant
from tests.storefront.promotions.test_promoted_orders import order_for, totals

LAST_WEEK = timezone.now() - timedelta(days=7)
NEXT_WEEK = timezone.now() + timedelta(days=7)


def running(name: str, kind: str, value: str = "", *, currency: str = "USD", target: str = "products", **fields):
    """A promotion running now (``fields``: product_ids=, tag_id=, buy_quantity=, min_subtotal=, ...)."""
    return save_promotion(
        promotion=None, name=name, kind=kind, value=value, target=target, starts_at=LAST_WEEK, ends_at=NEXT_WEEK,
        currency=currency, **fields,
    )  # fmt: skip


def free_shipping(name: str, over: str, *, currency: str = "USD") -> Promotion:
    return running(name, "free_shipping", min_subtotal=over, currency=currency, target="all")


def yen_shipping() -> ShippingRate:
    zone = ShippingZone.objects.create(name="Japan", countries=["US"], tax_rate=Decimal("10"))
    return ShippingRate.objects.create(zone=zone, name="Yamato", kind="flat", price=Decimal("800"))


# --- Free shipping over an amount ---------------------------------------------------------------------------


def test_free_shipping_is_judged_on_the_subtotal_after_promotions_of_a_tax_exclusive_order(store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "19.99")
        _, flat = make_shipping(tax="8.25")
        running("Mug days", "percentage", "15", product_ids=[mug.product_id])
        free_shipping("Ships free over $50", "50.00")
        make_code("SAVE10", "percentage", "10")

        short = order_for([(mug, 2)], rate=flat, key="short")
        # 16.99 x 2 = 33.98 is under 50.00 (the list price, 39.98, would be too): shipping is paid.
        # Tax 8.25 % of 33.98 = 2.80335 -> 2.80; total 33.98 + 5.00 + 2.80 = 41.78.
        assert totals(short) == (Decimal("33.98"), Decimal("0.00"), Decimal("5.00"), Decimal("2.80"), Decimal("41.78"))
        assert short.shipping_promotion == ""

        reached = order_for([(mug, 3)], rate=flat, discount_code="SAVE10", key="reached")
        # 16.99 x 3 = 50.97 reaches 50.00, so shipping is free; the code then takes 10 %: 5.097 -> 5.10, leaving
        # 45.87 (below 50.00, which does not matter: the threshold is judged before the code).
        # Tax 8.25 % of 45.87 = 3.784275 -> 3.78; total 45.87 + 0.00 + 3.78 = 49.65.
        assert totals(reached) == (
            Decimal("50.97"), Decimal("5.10"), Decimal("0.00"), Decimal("3.78"), Decimal("49.65"),
        )  # fmt: skip
        assert (reached.shipping_method, reached.shipping_promotion) == ("Standard", "Ships free over $50")


def test_free_shipping_in_yen_on_a_tax_inclusive_order(store_a):
    with in_store(store_a):
        tea = make_variant("Sencha", "1280")
        rate = yen_shipping()
        free_shipping("送料無料", "5000", currency="JPY")

        order = order_for([(tea, 4)], rate=rate, currency="JPY", prices_include_tax=True)

        # 1280 x 4 = 5120 reaches 5000: no 800 shipping. Tax included: 5120 x 10 / 110 = 465.45 -> 465.
        assert totals(order) == (5120, 0, 0, 465, 5120)
        assert order.shipping_promotion == "送料無料"


def test_of_two_free_shipping_promotions_the_lowest_threshold_reached_names_the_order(store_a):
    with in_store(store_a):
        pen = make_variant("Pen", "30.00")
        _, flat = make_shipping(tax="0")
        free_shipping("Big baskets", "80.00")
        free_shipping("Weekend", "60.00")

        order = order_for([(pen, 3)], rate=flat)

        assert (order.subtotal, order.shipping_total, order.shipping_promotion) == (90, 0, "Weekend")


def test_a_free_shipping_promotion_without_a_valid_amount_is_refused_and_nothing_is_written(store_a):
    with in_store(store_a):
        with pytest.raises(ValidationError) as refused:
            free_shipping("Odd yen", "4999.5", currency="JPY")
        assert refused.value.message_dict["min_subtotal"] == ["The order amount in JPY can have no decimal places."]
        with pytest.raises(ValidationError) as missing:
            running("No amount", "free_shipping", target="all")
        assert list(missing.value.message_dict) == ["min_subtotal"]
        assert not Promotion.objects.exists()


# --- Buy X get Y ----------------------------------------------------------------------------------------------


def test_buy_two_get_one_free_takes_the_cheapest_unit_across_lines_beside_a_discount_code(store_a):
    with in_store(store_a):
        socks = Tag.objects.create(name="socks")
        wool, cotton, silk, plain = (
            make_variant("Wool socks", "10.00"),
            make_variant("Cotton socks", "8.00"),
            make_variant("Silk socks", "6.00"),
            make_variant("Plain socks", "4.00"),
        )
        for variant in (wool, cotton, silk, plain):
            variant.product.tags.add(socks)
        _, flat = make_shipping(tax="8.25")
        make_code("SAVE10", "percentage", "10")
        running("3 for 2 socks", "buy_x_get_y", "100", target="tag", tag_id=socks.pk, buy_quantity=2, get_quantity=1)

        order = order_for([(wool, 1), (cotton, 1), (silk, 1), (plain, 2)], rate=flat, discount_code="SAVE10")

        lines = {line.sku: line for line in order.lines.all()}
        # Five units: 10, 8, 6, 4, 4 make one group of three, so one unit is free: the cheapest, a 4.00 plain pair.
        # The group is paid by the two dearest (10 and 8); the 6 and the other 4 are too few for a second group.
        assert (lines[plain.sku].unit_price, lines[plain.sku].line_total) == (Decimal("4.00"), Decimal("4.00"))
        assert (lines[plain.sku].promotion_name, lines[plain.sku].promotion_discount) == (
            "3 for 2 socks", Decimal("4.00"),
        )  # fmt: skip
        for variant in (wool, cotton, silk):
            assert (lines[variant.sku].promotion_name, lines[variant.sku].promotion_discount) == ("", 0)
        # Subtotal 10 + 8 + 6 + 4 = 28.00; the code takes 10 %: 2.80 -> 25.20; tax 8.25 % of 25.20 = 2.079 -> 2.08;
        # total 25.20 + 5.00 + 2.08 = 32.28.
        assert totals(order) == (Decimal("28.00"), Decimal("2.80"), Decimal("5.00"), Decimal("2.08"), Decimal("32.28"))


def test_second_at_half_price_applies_after_a_percentage_sale_on_a_tax_inclusive_order(store_a):
    with in_store(store_a):
        scarf = make_variant("Scarf", "9.99")
        _, flat = make_shipping(tax="19")
        ids = [scarf.product_id]
        running("Autumn 10", "percentage", "10", product_ids=ids)
        running("Second half price", "buy_x_get_y", "50", product_ids=ids, buy_quantity=1, get_quantity=1)

        order = order_for([(scarf, 3)], rate=flat, currency="EUR", prices_include_tax=True)

        line = order.lines.get()
        # 10 % of 9.99 = 0.999 -> 1.00 off: 8.99 each, 26.97 for three. Three units make one "buy 1 get 1" pair:
        # 50 % of 8.99 = 4.495 -> 4.50 off one unit. Line 26.97 - 4.50 = 22.47; taken 1.00 x 3 + 4.50 = 7.50.
        assert (line.unit_price, line.line_total) == (Decimal("8.99"), Decimal("22.47"))
        assert (line.promotion_name, line.promotion_discount) == ("Autumn 10 + Second half price", Decimal("7.50"))
        # Tax included: 22.47 x 19 / 119 = 3.5876 -> 3.59; total 22.47 + 5.00 shipping = 27.47.
        assert totals(order) == (Decimal("22.47"), Decimal("0.00"), Decimal("5.00"), Decimal("3.59"), Decimal("27.47"))


def test_buy_two_get_one_free_in_yen_with_a_code_and_free_shipping_together(store_a):
    with in_store(store_a):
        tea = make_variant("Sencha", "1280")
        rate = yen_shipping()
        make_code("YEN300", "fixed", "300")
        running("3つで2つ分", "buy_x_get_y", "100", currency="JPY", product_ids=[tea.product_id],
                buy_quantity=2, get_quantity=1)  # fmt: skip
        free_shipping("送料無料", "3000", currency="JPY")

        order = order_for([(tea, 4)], rate=rate, currency="JPY", discount_code="YEN300")

        line = order.lines.get()
        # Four units: one group of three, one free (1280): 5120 - 1280 = 3840. That reaches 3000: free shipping.
        # The code takes 300: 3540; tax 10 % of 3540 = 354; total 3540 + 0 + 354 = 3894.
        assert (line.line_total, line.promotion_discount, line.promotion_name) == (3840, 1280, "3つで2つ分")
        assert totals(order) == (3840, 300, 0, 354, 3894)
        assert order.shipping_promotion == "送料無料"


def test_a_buy_x_get_y_without_its_quantities_is_refused_and_nothing_is_written(store_a):
    with in_store(store_a):
        scarf = make_variant("Scarf", "9.99")
        with pytest.raises(ValidationError) as refused:
            running("Half", "buy_x_get_y", "150", product_ids=[scarf.product_id], buy_quantity=0)
        assert set(refused.value.message_dict) == {"value", "buy_quantity", "get_quantity"}
        assert not Promotion.objects.exists()


def test_the_cart_tells_how_far_free_shipping_is_and_then_that_it_applies(store_a, client):
    with in_store(store_a):
        pen = make_variant("Pen", "30.00")
        socks = make_variant("Socks", "5.00")
        free_shipping("Weekend", "60.00")
        running("Socks 2 for 1", "buy_x_get_y", "100", product_ids=[socks.product_id], buy_quantity=1,
                get_quantity=1)  # fmt: skip

    add(client, store_a, pen)
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Add $30.00 more for free shipping (Weekend)" in page

    add(client, store_a, socks, 2)
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    # 30.00 + 2 x 5.00 with one sock free = 35.00: still 25.00 short; the socks line says what it took.
    assert "Add $25.00 more for free shipping (Weekend)" in page
    assert "Socks 2 for 1: \N{MINUS SIGN}$5.00" in page

    add(client, store_a, pen)
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'id="cart-subtotal">$65.00<' in page
    assert "Free shipping (Weekend)" in page and "more for free shipping" not in page
