"""Stock per variant: every change is an adjustment with a reason; never below zero unless selling on is allowed."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from storefront.catalog.models import InventoryAdjustment, ProductVariant
from storefront.catalog.selectors import inventory_history
from storefront.catalog.services import adjust_stock, create_product, set_stock, update_variant

from .factories import make_product


def test_adjustments_change_stock_and_keep_a_history(store_a):
    product = make_product(store_a, track_inventory=True, stock=3)
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
        adjust_stock(variant=variant, delta=10, reason="received", note="PO 7", actor="tests")
        adjust_stock(variant=variant, delta=-4, reason="damaged")
        assert set_stock(variant=variant, quantity=2, reason="correction").delta == -7
        assert set_stock(variant=variant, quantity=2, reason="correction") is None  # already there: no row
        assert ProductVariant.objects.get(pk=variant.pk).stock == variant.stock == 2
        history = [(a.delta, a.stock_after, a.reason, a.note) for a in inventory_history(variant)]
        assert history == [
            (-7, 2, "correction", ""),
            (-4, 9, "damaged", ""),
            (10, 13, "received", "PO 7"),
            (3, 3, "initial", ""),
        ]


def test_stock_never_goes_negative_unless_the_variant_keeps_selling(store_a):
    product = make_product(store_a, track_inventory=True, stock=2)
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
        with pytest.raises(ValidationError) as caught:
            adjust_stock(variant=variant, delta=-3, reason="sold")
        assert caught.value.message_dict == {"delta": [f"Only 2 of {variant.sku} in stock; cannot remove 3."]}
        with pytest.raises(ValidationError) as caught:
            set_stock(variant=variant, quantity=-1, reason="correction")
        assert ProductVariant.objects.get(pk=variant.pk).stock == 2
        assert InventoryAdjustment.objects.filter(variant=variant).count() == 1

        update_variant(variant=variant, continue_selling_when_out_of_stock=True)
        adjust_stock(variant=variant, delta=-5, reason="sold")
        variant.refresh_from_db()
        assert (variant.stock, variant.available) == (-3, True)
        # Turning selling-on off while stock is negative would break the rule; the seller is told why.
        with pytest.raises(ValidationError) as caught:
            update_variant(variant=variant, continue_selling_when_out_of_stock=False)
        assert caught.value.message_dict == {
            "continue_selling_when_out_of_stock": ["Stock is -3; bring it to 0 or more before turning this off."]
        }


@pytest.mark.parametrize(
    ("delta", "reason", "errors"),
    [
        (0, "received", {"delta": ["Adjust by a whole number other than 0."]}),
        (
            1,
            "gift",
            {
                "reason": [
                    "Unknown reason; use one of initial, received, correction, damaged, sold, returned, import, other."
                ]
            },
        ),
    ],
)
def test_bad_adjustments_are_refused(store_a, delta, reason, errors):
    product = make_product(store_a)
    with schema_context(store_a.schema_name), pytest.raises(ValidationError) as caught:
        adjust_stock(variant=product.variants.get(), delta=delta, reason=reason)
    assert caught.value.message_dict == errors


def test_concurrent_adjustments_queue_on_the_row_and_lose_nothing(clean_stores):
    store_a, _ = clean_stores
    product = make_product(store_a, title="Alpha Busy Item", track_inventory=True, stock=20)
    with schema_context(store_a.schema_name):
        variant_id = product.variants.get().pk
    failures: list[BaseException] = []

    def worker(delta: int, times: int) -> None:
        try:
            with schema_context(store_a.schema_name):
                variant = ProductVariant.objects.get(pk=variant_id)
                for _ in range(times):
                    adjust_stock(variant=variant, delta=delta, reason="other")
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=args) for args in ((1, 15), (-1, 15), (2, 10))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with schema_context(store_a.schema_name):
        assert ProductVariant.objects.get(pk=variant_id).stock == 20 + 15 - 15 + 20
        running = 0
        for adjustment in InventoryAdjustment.objects.filter(variant_id=variant_id).order_by("id"):
            running += adjustment.delta
            assert adjustment.stock_after == running  # each saw the one before it: no lost update
        assert running == 40


def test_stock_stays_within_what_its_column_holds(store_a):
    product = make_product(store_a, track_inventory=True, stock=2_000_000_000)
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
        for delta in (200_000_000, 2**40, -(2**70)):
            with pytest.raises(ValidationError) as caught:
                adjust_stock(variant=variant, delta=delta, reason="received")
            assert caught.value.message_dict == {
                "delta": [f"Stock must stay between -2,147,483,647 and 2,147,483,647; {variant.sku} has 2,000,000,000."]
            }
        adjust_stock(variant=variant, delta=2**31 - 1 - 2_000_000_000, reason="received")
        assert ProductVariant.objects.get(pk=variant.pk).stock == 2**31 - 1
        with pytest.raises(ValidationError) as caught:
            create_product(title="Too Many Mugs", price=Decimal("5.00"), stock=2**40, track_inventory=True)
        assert caught.value.message_dict == {
            "variants.0.stock": ["Stock must stay between -2,147,483,647 and 2,147,483,647."]
        }
