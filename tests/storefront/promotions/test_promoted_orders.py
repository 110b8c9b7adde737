"""Automatic promotions priced into real orders: totals worked out by hand, with and without a discount code."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from storefront.cart.models import Cart
from storefront.catalog.models import Collection, CollectionProduct, Tag
from storefront.checkout.models import ShippingRate, ShippingZone
from storefront.checkout.services import Address, place_order
from storefront.orders.models import Order
from storefront.promotions.models import Promotion
from storefront.promotions.selectors import variant_prices
from storefront.promotions.services import save_promotion
from storefront.themes.models import StoreProfile
from storefront.themes.services import update_profile
from tests.storefront.checkout.support import in_store, make_code, make_shipping, make_variant

ADDRESS = Address(name="Sam Shopper", line1="1 Main St", city="Springfield", region="IL", postal_code="62701",
                  country="US")  # fmt: skip
LAST_WEEK = timezone.now() - timedelta(days=7)
NEXT_WEEK = timezone.now() + timedelta(days=7)


def promote(
    name: str, kind: str, value: str, *, combination: str = "best", currency: str = "USD", min_quantity: int = 1,
    **target,
):  # fmt: skip
    """A promotion running now; ``target`` is collection_id=, tag_id= or product_ids=."""
    kind_of_target = "collection" if "collection_id" in target else "tag" if "tag_id" in target else "products"
    return save_promotion(
        promotion=None, name=name, kind=kind, value=value, target=kind_of_target, starts_at=LAST_WEEK,
        ends_at=NEXT_WEEK, combination=combination, currency=currency, min_quantity=min_quantity, **target,
    )  # fmt: skip


def order_for(lines, *, rate, currency="USD", prices_include_tax=False, discount_code="", key="k1") -> Order:
    cart = Cart.objects.create(token=f"cart-{key}")
    for variant, quantity in lines:
        cart.lines.create(variant=variant, quantity=quantity, unit_price=variant.price)
    return place_order(
        cart=cart, checkout_key=key, email="sam@example.com", address=ADDRESS, rate_id=rate.pk,
        discount_code=discount_code, currency=currency, prices_include_tax=prices_include_tax,
        site_url="http://alpha.localhost",
    )  # fmt: skip


def totals(order: Order) -> tuple:
    return (order.subtotal, order.discount_total, order.shipping_total, order.tax_total, order.total)


def test_collection_and_tag_promotions_with_a_discount_code_on_a_tax_exclusive_order(store_a):
    with in_store(store_a):
        mug, pen, cap = make_variant("Camp Mug", "19.99"), make_variant("Pen", "4.99"), make_variant("Cap", "12.00")
        sale = Collection.objects.create(title="Sale", slug="sale")
        CollectionProduct.objects.create(collection=sale, product=mug.product, position=1)
        office = Tag.objects.create(name="office")
        pen.product.tags.add(office)
        _, flat = make_shipping(tax="8.25")
        make_code("SAVE10", "percentage", "10")
        promote("Winter sale", "percentage", "15", collection_id=sale.pk)
        promote("Office days", "fixed", "1.00", tag_id=office.pk)

        order = order_for([(mug, 3), (pen, 2), (cap, 1)], rate=flat, discount_code="save10")

        lines = {line.sku: line for line in order.lines.all()}
        # Mug: 15 % of 19.99 = 2.9985 -> 3.00 off each, 16.99 x 3 = 50.97, 9.00 taken.
        mug_line = lines[mug.sku]
        assert (mug_line.unit_price, mug_line.line_total) == (Decimal("16.99"), Decimal("50.97"))
        assert (mug_line.promotion_name, mug_line.promotion_discount) == ("Winter sale", Decimal("9.00"))
        # Pen: 4.99 - 1.00 = 3.99 x 2 = 7.98, 2.00 taken.
        pen_line = lines[pen.sku]
        assert (pen_line.unit_price, pen_line.line_total) == (Decimal("3.99"), Decimal("7.98"))
        assert (pen_line.promotion_name, pen_line.promotion_discount) == ("Office days", Decimal("2.00"))
        # Cap: no promotion targets it.
        cap_line = lines[cap.sku]
        assert (cap_line.unit_price, cap_line.promotion_name, cap_line.promotion_discount) == (
            Decimal("12.00"), "", Decimal("0.00"),
        )  # fmt: skip
        # Subtotal 50.97 + 7.98 + 12.00 = 70.95; the code takes 10 % of the promoted subtotal: 7.095 -> 7.10;
        # tax 8.25 % of 63.85 = 5.2676 -> 5.27; total 63.85 + 5.00 + 5.27 = 74.12.
        assert totals(order) == (Decimal("70.95"), Decimal("7.10"), Decimal("5.00"), Decimal("5.27"), Decimal("74.12"))
        assert order.discount_code == "SAVE10"


def test_best_for_buyer_then_stacking_on_a_tax_inclusive_order(store_a):
    with in_store(store_a):
        kettle = make_variant("Kettle", "119.00")
        _, flat = make_shipping(tax="19")
        ids = [kettle.product_id]
        promote("Ten off", "percentage", "10", product_ids=ids)  # 11.90: loses to the larger best-for-buyer rule
        promote("Fifteen back", "fixed", "15.00", product_ids=ids)  # 15.00: the single best-for-buyer rule
        promote("Members extra", "percentage", "5", product_ids=ids, combination="stack")  # 5 % of 104.00 = 5.20

        order = order_for([(kettle, 2)], rate=flat, currency="EUR", prices_include_tax=True)

        line = order.lines.get()
        # 119.00 - 15.00 = 104.00, then - 5.20 = 98.80 each; x 2 = 197.60; (15.00 + 5.20) x 2 = 40.40 taken.
        assert (line.unit_price, line.line_total) == (Decimal("98.80"), Decimal("197.60"))
        assert (line.promotion_name, line.promotion_discount) == ("Fifteen back + Members extra", Decimal("40.40"))
        # Tax included: 197.60 x 19 / 119 = 31.5495 -> 31.55; total 197.60 + 5.00 shipping.
        assert totals(order) == (
            Decimal("197.60"),
            Decimal("0.00"),
            Decimal("5.00"),
            Decimal("31.55"),
            Decimal("202.60"),
        )


def test_a_zero_decimal_currency_rounds_each_promotion_to_whole_yen(store_a):
    with in_store(store_a):
        tea = make_variant("Sencha", "1280")
        zone = ShippingZone.objects.create(name="Japan", countries=["US"], tax_rate=Decimal("10"))
        flat = ShippingRate.objects.create(zone=zone, name="Yamato", kind="flat", price=Decimal("500"))
        make_code("YEN500", "fixed", "500")
        promote("Shincha", "percentage", "15", product_ids=[tea.product_id], currency="JPY")

        order = order_for([(tea, 3)], rate=flat, currency="JPY", discount_code="YEN500")

        line = order.lines.get()
        # 15 % of 1280 = 192 off each -> 1088 x 3 = 3264, 576 taken; the code takes 500 -> 2764;
        # tax 10 % of 2764 = 276.4 -> 276; total 2764 + 500 + 276 = 3540.
        assert (line.unit_price, line.line_total, line.promotion_discount) == (1088, 3264, 576)
        assert totals(order) == (3264, 500, 500, 276, 3540)


def test_a_fixed_amount_in_yen_with_a_fraction_is_refused(store_a):
    with in_store(store_a):
        tea = make_variant("Sencha", "1280")
        with pytest.raises(ValidationError) as refused:
            promote("Odd", "fixed", "10.5", product_ids=[tea.product_id], currency="JPY")
        assert refused.value.message_dict["value"] == ["The amount off in JPY can have no decimal places."]
        assert not Promotion.objects.exists()


def test_a_promotion_runs_on_the_stores_wall_clock(store_a):
    with in_store(store_a):
        update_profile(profile=StoreProfile.objects.get(), timezone="Asia/Tokyo")
        tea = make_variant("Sencha", "1000")
        promotion = save_promotion(
            promotion=None, name="New year", kind="percentage", value="20", target="products",
            product_ids=[tea.product_id], starts_at=datetime(2027, 1, 1, 0, 0), ends_at=datetime(2027, 1, 2, 0, 0),
        )  # fmt: skip
        # Midnight in Tokyo (UTC+9) is 15:00 UTC the day before.
        assert promotion.starts_at == datetime(2026, 12, 31, 15, 0, tzinfo=UTC)
        assert promotion.ends_at == datetime(2027, 1, 1, 15, 0, tzinfo=UTC)

        def price_at(*moment: int) -> Decimal:
            found = variant_prices([(tea.pk, tea.product_id, tea.price)], now=datetime(*moment, tzinfo=UTC))
            return found[tea.pk].unit_price

        assert price_at(2026, 12, 31, 14, 59, 59) == Decimal("1000.00")  # 23:59:59 on New Year's Eve in Tokyo
        assert price_at(2026, 12, 31, 15, 0, 0) == Decimal("800.00")  # 00:00 on 1 January in Tokyo
        assert price_at(2027, 1, 1, 14, 59, 59) == Decimal("800.00")
        assert price_at(2027, 1, 1, 15, 0, 0) == Decimal("1000.00")  # the end is not included


def test_an_inactive_or_ended_promotion_takes_nothing(store_a):
    with in_store(store_a):
        _, flat = make_shipping(tax="0")
        tea = make_variant("Sencha", "10.00")
        paused = promote("Paused", "percentage", "50", product_ids=[tea.product_id])
        Promotion.objects.filter(pk=paused.pk).update(is_active=False)
        order = order_for([(tea, 1)], rate=flat)
        assert (order.lines.get().unit_price, order.lines.get().promotion_name) == (Decimal("10.00"), "")


def test_store_b_promotions_never_price_store_a_products(store_a, store_b):
    with in_store(store_a):
        lamp = make_variant("Lamp", "40.00")
        Tag.objects.create(name="lights").products.add(lamp.product)
        _, flat = make_shipping(tax="0")
    with in_store(store_b):
        other = make_variant("Lamp", "40.00")
        lights = Tag.objects.create(name="lights")
        lights.products.add(other.product)
        # Same tag name, and a product list holding the id store A's lamp has in its own schema.
        promote("B's tag sale", "percentage", "50", tag_id=lights.pk)
        promote("B's product sale", "percentage", "50", product_ids=[other.product_id])
    with in_store(store_a):
        assert not Promotion.objects.exists()
        order = order_for([(lamp, 1)], rate=flat)
        line = order.lines.get()
        assert (line.unit_price, line.promotion_name, order.total) == (Decimal("40.00"), "", Decimal("45.00"))


def test_a_quantity_tier_prices_only_lines_that_reach_it(store_a):
    with in_store(store_a):
        socks, cap = make_variant("Wool Socks", "12.99"), make_variant("Cap", "12.99")
        bulk = Tag.objects.create(name="bulk")
        socks.product.tags.add(bulk)
        cap.product.tags.add(bulk)
        _, flat = make_shipping(tax="8.25")
        promote("3 or more: 10 % off", "percentage", "10", tag_id=bulk.pk, min_quantity=3)

        order = order_for([(socks, 3), (cap, 2)], rate=flat)

        lines = {line.sku: line for line in order.lines.all()}
        # Socks, 3 units: 10 % of 12.99 = 1.299 -> 1.30 off each, 11.69 x 3 = 35.07, 3.90 taken.
        assert (lines[socks.sku].unit_price, lines[socks.sku].line_total) == (Decimal("11.69"), Decimal("35.07"))
        assert (lines[socks.sku].promotion_name, lines[socks.sku].promotion_discount) == (
            "3 or more: 10 % off", Decimal("3.90"),
        )  # fmt: skip
        # Cap, 2 units: below the tier, full price.
        assert (lines[cap.sku].unit_price, lines[cap.sku].promotion_name) == (Decimal("12.99"), "")
        # Subtotal 35.07 + 25.98 = 61.05; tax 8.25 % = 5.0366 -> 5.04; total 61.05 + 5.00 + 5.04 = 71.09.
        assert totals(order) == (Decimal("61.05"), Decimal("0.00"), Decimal("5.00"), Decimal("5.04"), Decimal("71.09"))
