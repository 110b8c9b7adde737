"""The product editor's service: options and the whole variant list saved at once, keeping what still matches."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from storefront.catalog.models import InventoryAdjustment, Product, ProductImage, ProductOption, ProductVariant
from storefront.catalog.services import (
    OptionSpec,
    VariantRow,
    add_product_image,
    add_product_options,
    adjust_stock,
    arrange_product_images,
    save_product_variants,
)

from .factories import make_product, make_shirt, png

SIZES_BY_COLOURS = [OptionSpec("Size", ["S", "M"]), OptionSpec("Colour", ["Blue", "Red"])]


def _history(product) -> dict[str, list[tuple[int, int, str]]]:
    return {
        variant.sku: list(variant.inventory_adjustments.order_by("id").values_list("delta", "stock_after", "reason"))
        for variant in product.variants.order_by("id")
    }


def _snapshot(product) -> tuple:
    return (
        list(ProductOption.objects.filter(product=product).values_list("position", "name", "values")),
        list(
            ProductVariant.objects.filter(product=product)
            .order_by("id")
            .values_list("id", "sku", "option1", "option2", "option3", "price", "stock", "weight_grams")
        ),
        InventoryAdjustment.objects.filter(variant__product=product).count(),
        Product.objects.get(pk=product.pk).price,
    )


def test_adding_an_option_keeps_every_variant_with_its_id_stock_and_history(store_a):
    shirt = make_shirt(store_a, title="Alpha Editor Shirt", sku_prefix="AES")
    with schema_context(store_a.schema_name):
        saved = {variant.sku: variant for variant in shirt.variants.all()}
        history = _history(shirt)
        adjust_stock(variant=saved["AES-M-Red"], delta=-2, reason="sold")
        rows = [
            VariantRow(id=variant.pk, options=[variant.option1, variant.option2, "Cotton"])
            for variant in saved.values()
        ] + [
            VariantRow(options=[size, colour, "Linen"], price="30.00", stock=2, weight_grams=180, track_inventory=True)
            for size in ("S", "M")
            for colour in ("Blue", "Red")
        ]
        options = [*SIZES_BY_COLOURS, OptionSpec("Material", ["Cotton", "Linen"])]
        save_product_variants(product=shirt, options=options, variants=rows, actor="owner@alpha.test")

        assert [(o.name, o.values) for o in ProductOption.objects.filter(product=shirt)] == [
            ("Size", ["S", "M"]),
            ("Colour", ["Blue", "Red"]),
            ("Material", ["Cotton", "Linen"]),
        ]
        after = {variant.sku: variant for variant in shirt.variants.all()}
        for sku, variant in saved.items():
            assert after[sku].pk == variant.pk
            assert after[sku].title == f"{variant.option1} / {variant.option2} / Cotton"
            assert after[sku].stock == (3 if sku == "AES-M-Red" else 5)
        history["AES-M-Red"].append((-2, 3, "sold"))
        assert {sku: _history(shirt)[sku] for sku in saved} == history
        linen = [variant for variant in after.values() if variant.option3 == "Linen"]
        assert sorted(variant.sku for variant in linen) == [
            "ALPHA-EDITOR-SHIRT-M-BLUE-LINEN",
            "ALPHA-EDITOR-SHIRT-M-RED-LINEN",
            "ALPHA-EDITOR-SHIRT-S-BLUE-LINEN",
            "ALPHA-EDITOR-SHIRT-S-RED-LINEN",
        ]
        assert {(v.price, v.stock, v.weight_grams, v.track_inventory) for v in linen} == {
            (Decimal("30.00"), 2, 180, True)
        }
        for variant in linen:
            rows_of = variant.inventory_adjustments.values_list("delta", "reason", "actor")
            assert list(rows_of) == [(2, "initial", "owner@alpha.test")]
        assert [variant.title for variant in shirt.variants.all()][:2] == ["S / Blue / Cotton", "S / Red / Cotton"]
        assert Product.objects.get(pk=shirt.pk).price == Decimal("20.00")


def test_add_product_options_gives_every_variant_the_first_value(store_a):
    mug = make_product(store_a, title="Alpha Editor Mug", sku="AEM-1", track_inventory=True, stock=4)
    with schema_context(store_a.schema_name):
        variant = mug.variants.get()
        add_product_options(product=mug, options=[OptionSpec("Size", ["Small", "Large"])])
        kept = mug.variants.get()
        assert (kept.pk, kept.sku, kept.title, kept.stock) == (variant.pk, "AEM-1", "Small", 4)
        assert list(ProductOption.objects.filter(product=mug).values_list("name", "values")) == [
            ("Size", ["Small", "Large"])
        ]
        assert list(kept.inventory_adjustments.values_list("delta", "reason")) == [(4, "initial")]


def test_removing_a_value_deletes_exactly_its_variants(store_a):
    shirt = make_shirt(store_a, title="Alpha Trim Shirt", sku_prefix="ATS")
    with schema_context(store_a.schema_name):
        blue = list(shirt.variants.filter(option2="Blue"))
        history = {sku: rows for sku, rows in _history(shirt).items() if sku.endswith("Blue")}
        save_product_variants(
            product=shirt,
            options=[OptionSpec("Size", ["S", "M"]), OptionSpec("Colour", ["Blue"])],
            variants=[VariantRow(id=variant.pk, options=[variant.option1, "Blue"]) for variant in blue],
        )
        assert sorted(shirt.variants.values_list("sku", flat=True)) == ["ATS-M-Blue", "ATS-S-Blue"]
        assert sorted(shirt.variants.values_list("pk", flat=True)) == sorted(variant.pk for variant in blue)
        assert _history(shirt) == history
        assert not InventoryAdjustment.objects.filter(variant__sku__in=["ATS-S-Red", "ATS-M-Red"]).exists()
        assert ProductOption.objects.get(product=shirt, name="Colour").values == ["Blue"]


def test_renamed_values_and_swapped_skus_keep_their_variants_and_stock_moves_by_what_the_seller_changed(store_a):
    shirt = make_shirt(store_a, title="Alpha Swap Shirt", sku_prefix="ASW")
    with schema_context(store_a.schema_name):
        by_sku = {variant.sku: variant for variant in shirt.variants.all()}
        # The seller was shown 5 of S / Blue; one sells before the form is saved with 8.
        adjust_stock(variant=by_sku["ASW-S-Blue"], delta=-1, reason="sold")
        rows = [
            VariantRow(id=by_sku["ASW-S-Blue"].pk, options=["Small", "Navy"], sku="ASW-M-Blue", stock=8, stock_seen=5),
            VariantRow(id=by_sku["ASW-M-Blue"].pk, options=["M", "Navy"], sku="ASW-S-Blue"),
            VariantRow(id=by_sku["ASW-S-Red"].pk, options=["Small", "Red"], price="19.00", compare_at_price="25.00"),
            VariantRow(id=by_sku["ASW-M-Red"].pk, options=["M", "Red"], stock=0),
        ]
        options = [OptionSpec("Size", ["Small", "M"]), OptionSpec("Colour", ["Navy", "Red"])]
        save_product_variants(product=shirt, options=options, variants=rows, actor="owner@alpha.test")

        after = {variant.pk: variant for variant in shirt.variants.all()}
        first = after[by_sku["ASW-S-Blue"].pk]
        assert (first.sku, first.title, first.stock) == ("ASW-M-Blue", "Small / Navy", 7)
        assert list(first.inventory_adjustments.order_by("id").values_list("delta", "stock_after", "reason")) == [
            (5, 5, "initial"),
            (-1, 4, "sold"),
            (3, 7, "correction"),
        ]
        assert after[by_sku["ASW-M-Blue"].pk].sku == "ASW-S-Blue"
        red = after[by_sku["ASW-S-Red"].pk]
        assert (red.title, red.price, red.compare_at_price, red.stock) == (
            "Small / Red",
            Decimal("19.00"),
            Decimal("25.00"),
            5,
        )
        emptied = after[by_sku["ASW-M-Red"].pk]
        assert (emptied.stock, emptied.inventory_adjustments.first().reason) == (0, "correction")
        assert Product.objects.get(pk=shirt.pk).price == Decimal("19.00")


ROWS = [VariantRow(options=["S"], price="10.00", sku="BAD-S"), VariantRow(options=["M"], price="10.00", sku="BAD-M")]


@pytest.mark.parametrize(
    ("options", "variants", "errors"),
    [
        (
            [OptionSpec("Size", ["S", "M"]), OptionSpec("size", ["X"])],
            ROWS,
            {"options.1.name": ["There are two options named 'size'; give each option its own name."]},
        ),
        (
            [OptionSpec("Size", ["S", "M", "s"])],
            ROWS,
            {"options.0.values": ["'Size' has the value 's' twice; each value of an option must differ."]},
        ),
        (
            [OptionSpec("Size", ["S", ""])],
            ROWS,
            {"options.0.values": ["Option values cannot be empty."]},
        ),
        (
            [OptionSpec("Size", [])],
            ROWS,
            {"options.0.values": ["Give 'Size' at least one value."]},
        ),
        (
            [OptionSpec(n, ["A"]) for n in ("One", "Two", "Three", "Four")],
            [VariantRow(options=["A"] * 4, price="1.00")],
            {"options": ["A product has at most 3 options."]},
        ),
        (
            [OptionSpec("Size", [str(n) for n in range(101)])],
            [VariantRow(options=[str(n)], price="1.00") for n in range(101)],
            {"variants": ["A product has at most 100 variants; this would make 101."]},
        ),
        (
            [OptionSpec("Size", ["S", "M"])],
            [VariantRow(options=["S"], price="-1", sku="BAD-S"), VariantRow(options=["M"], sku="BAD-M")],
            {"variants.0.price": ["Price cannot be negative."], "variants.1.price": ["Give the new variant a price."]},
        ),
        (
            [OptionSpec("Size", ["S", "M"])],
            [VariantRow(options=["S"], price="10.00", compare_at_price="9.00"), VariantRow(options=["L"], price="1")],
            {
                "variants.0.compare_at_price": ["Compare-at price must be higher than the price."],
                "variants.1.options": ["'L' is not a value of Size."],
            },
        ),
        (
            [OptionSpec("Size", ["S", "M"])],
            [VariantRow(options=["S"], price="1.00"), VariantRow(options=["S"], price="1.00", sku="ALPHA-TRAIL-TENT")],
            {
                "variants.1.options": ["Another variant of this product already has these option values."],
                "variants.1.sku": ["Another variant in this store already has this SKU."],
            },
        ),
        (
            [OptionSpec("Size", ["S", "M"])],
            [VariantRow(options=["S"], price="1.00", sku="DUP"), VariantRow(options=["M"], price="1.00", sku="DUP")],
            {"variants.1.sku": ["Another variant in this store already has this SKU."]},
        ),
        (
            [OptionSpec("Size", ["S", "M"])],
            [VariantRow(options=["S"], price="1.00", stock=-3), VariantRow(options=["M", "Red"], price="1.00")],
            {
                "variants.0.stock": [
                    "Stock would be -3; it cannot go below 0 unless the variant keeps selling when out of stock."
                ],
                "variants.1.options": ["Give one value per product option (1: Size); got 2."],
            },
        ),
        ([OptionSpec("Size", ["S"])], [], {"variants": ["A product needs at least one variant."]}),
    ],
    ids=[
        "option-names-differ-only-by-case",
        "duplicate-values",
        "empty-value",
        "option-without-values",
        "four-options",
        "101-variants",
        "bad-and-missing-price",
        "compare-at-and-unknown-value",
        "duplicate-combination-and-taken-sku",
        "sku-twice",
        "negative-stock-and-too-many-values",
        "no-variants",
    ],
)
def test_a_bad_grid_is_refused_with_field_errors_and_nothing_is_written(store_a, options, variants, errors):
    product = make_product(store_a, title="Alpha Editor Lamp", sku="AEL-1", stock=3, track_inventory=True)
    with schema_context(store_a.schema_name):
        before = _snapshot(product)
        with pytest.raises(ValidationError) as caught:
            save_product_variants(product=product, options=options, variants=variants)
        assert caught.value.message_dict == errors
        assert _snapshot(product) == before


def test_a_variant_of_another_product_cannot_be_kept_or_taken_by_id_or_sku(store_a):
    lamp = make_product(store_a, title="Alpha Editor Desk Lamp", sku="AEDL-1")
    shirt = make_shirt(store_a, title="Alpha Editor Other Shirt", sku_prefix="AEO")
    with schema_context(store_a.schema_name):
        foreign = shirt.variants.get(sku="AEO-S-Blue")
        before = (_snapshot(lamp), _snapshot(shirt))
        with pytest.raises(ValidationError) as caught:
            save_product_variants(
                product=lamp,
                options=[OptionSpec("Size", ["S", "M"])],
                variants=[
                    VariantRow(id=foreign.pk, options=["S"], price="1.00"),
                    VariantRow(options=["M"], price="1.00", sku="AEO-M-Red"),
                ],
            )
        assert caught.value.message_dict == {
            "variants.0.id": [f"This product has no variant {foreign.pk}."],
            "variants.1.sku": ["Another variant in this store already has this SKU."],
        }
        assert (_snapshot(lamp), _snapshot(shirt)) == before


def test_pictures_are_put_in_order_with_their_alt_text(store_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = make_product(store_a, title="Alpha Editor Vase")
    with schema_context(store_a.schema_name):
        first, second = (
            add_product_image(product=product, file=ContentFile(png(colour=colour), name="p.png"))
            for colour in ((1, 2, 3), (4, 5, 6))
        )
        arrange_product_images(
            product=product, order=[second.pk, first.pk], alt_texts={second.pk: " Blue vase, front ", first.pk: ""}
        )
        assert list(ProductImage.objects.filter(product=product).values_list("pk", "position", "alt_text")) == [
            (second.pk, 1, "Blue vase, front"),
            (first.pk, 2, ""),
        ]
        with pytest.raises(ValidationError) as caught:
            arrange_product_images(product=product, order=[second.pk, first.pk], alt_texts={first.pk: "x" * 256})
        assert caught.value.message_dict == {
            "images.1.alt_text": ["Ensure this value has at most 255 characters (it has 256)."]
        }
        with pytest.raises(ValidationError) as caught:
            arrange_product_images(product=product, order=[first.pk], alt_texts={})
        assert caught.value.message_dict == {
            "images": ["The pictures changed while you were editing them; reload the page and try again."]
        }
        assert list(ProductImage.objects.filter(product=product).values_list("pk", "alt_text")) == [
            (second.pk, "Blue vase, front"),
            (first.pk, ""),
        ]
