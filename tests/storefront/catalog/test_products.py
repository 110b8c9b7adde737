"""Products, options and variants: defaults for simple products, validation, sanitising, all-or-nothing writes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from storefront.catalog import selectors
from storefront.catalog.models import InventoryAdjustment, Product, ProductOption, ProductVariant, Tag
from storefront.catalog.services import (
    OptionSpec,
    VariantSpec,
    add_variant,
    create_product,
    delete_variant,
    update_product,
    update_variant,
)

from .factories import make_product, make_shirt


def _counts() -> tuple[int, int, int, int]:
    return (Product.objects.count(), ProductVariant.objects.count(), ProductOption.objects.count(), Tag.objects.count())


def test_a_simple_product_gets_one_default_variant_with_its_price_and_a_sku(store_a):
    product = make_product(store_a, title="Enamel Camp Mug", price="14.00")
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
        assert (variant.sku, variant.price, variant.title, variant.option_values) == (
            "ENAMEL-CAMP-MUG",
            Decimal("14.00"),
            "Default",
            [],
        )
        assert Product.objects.get(pk=product.pk).price == Decimal("14.00")
        assert product.status == Product.Status.ACTIVE and product.slug == "enamel-camp-mug"
        # A second product with the same title gets its own slug and SKU.
        twin = create_product(title="Enamel Camp Mug", price="15.00")
        assert (twin.slug, twin.variants.get().sku) != (product.slug, variant.sku)
        assert twin.slug == "enamel-camp-mug-2"


def test_size_by_colour_variants_with_prices_stock_and_a_listing_price(store_a):
    shirt = make_shirt(store_a)
    with schema_context(store_a.schema_name):
        shirt = selectors.product(shirt.pk)
        assert [(o.name, o.values) for o in shirt.options.all()] == [("Size", ["S", "M"]), ("Colour", ["Blue", "Red"])]
        assert [(v.sku, v.title, v.stock) for v in shirt.variants.all()] == [
            ("SHIRT-S-Blue", "S / Blue", 5),
            ("SHIRT-S-Red", "S / Red", 5),
            ("SHIRT-M-Blue", "M / Blue", 5),
            ("SHIRT-M-Red", "M / Red", 5),
        ]
        assert shirt.price == Decimal("20.00")  # the lowest variant price
        assert sorted(tag.name for tag in shirt.tags.all()) == ["apparel", "summer"]
        # Initial stock is explained by the history like any other change.
        assert InventoryAdjustment.objects.filter(reason="initial", delta=5).count() == 4

        large = add_variant(product=shirt, spec=VariantSpec(sku="SHIRT-L-Green", price="18.00", options=["L", "Green"]))
        assert large.title == "L / Green"
        assert ProductOption.objects.get(product=shirt, name="Size").values == ["S", "M", "L"]
        assert Product.objects.get(pk=shirt.pk).price == Decimal("18.00")
        update_variant(variant=large, price="30.00")
        assert Product.objects.get(pk=shirt.pk).price == Decimal("20.00")
        delete_variant(variant=shirt.variants.get(sku="SHIRT-S-Blue"))
        delete_variant(variant=shirt.variants.get(sku="SHIRT-S-Red"))
        assert Product.objects.get(pk=shirt.pk).price == Decimal("22.00")


@pytest.mark.parametrize(
    ("variants", "errors"),
    [
        (
            [VariantSpec(sku="A-1", price="-5", options=["S"])],
            {"variants.0.price": ["Price cannot be negative."]},
        ),
        (
            [VariantSpec(sku="A-1", price="NaN", options=["S"])],
            {"variants.0.price": ["Price must be a finite number, not NaN."]},
        ),
        (
            [VariantSpec(sku="A-1", price="Infinity", options=["S"])],
            {"variants.0.price": ["Price must be a finite number, not Infinity."]},
        ),
        (
            [VariantSpec(sku="A-1", price="9.999", options=["S"])],
            {"variants.0.price": ["Price in USD can have at most 2 decimal places."]},
        ),
        (
            [VariantSpec(sku="A-1", price="9.00", compare_at_price="8.00", options=["S"])],
            {"variants.0.compare_at_price": ["Compare-at price must be higher than the price."]},
        ),
        (
            [VariantSpec(sku="A-1", price="9.00", options=["S"]), VariantSpec(sku="A-1", price="9.00", options=["M"])],
            {"variants.1.sku": ["Another variant in this store already has this SKU."]},
        ),
        (
            [VariantSpec(sku="A-1", price="9.00", options=["S"]), VariantSpec(sku="A-2", price="9.00", options=["S"])],
            {"variants.1.options": ["Another variant of this product already has these option values."]},
        ),
        (
            [VariantSpec(sku="A-1", price="9.00", options=[])],
            {"variants.0.options": ["Give one value per product option (1: Size); got 0."]},
        ),
        (
            [VariantSpec(sku="A-1", price="9.00", options=["S"], stock=-2)],
            {"variants.0.stock": ["Stock cannot be negative unless the variant keeps selling when out of stock."]},
        ),
        (
            [VariantSpec(sku="", price="9.00", options=["S"])],
            {"variants.0.sku": ["This field cannot be blank."]},
        ),
    ],
)
def test_bad_variants_are_refused_and_nothing_is_written(store_a, variants, errors):
    with schema_context(store_a.schema_name):
        before = _counts()
        with pytest.raises(ValidationError) as caught:
            create_product(title="Bad Tee", tags=["new-tag"], options=[OptionSpec("Size")], variants=variants)
        assert caught.value.message_dict == errors
        assert _counts() == before


def test_a_sku_is_unique_within_a_store_but_another_store_may_use_it(store_a, store_b):
    make_product(store_a, title="Alpha Mug", sku="MUG-1")
    with schema_context(store_a.schema_name), pytest.raises(ValidationError) as caught:
        create_product(title="Alpha Other Mug", price="3.00", sku="MUG-1")
    assert caught.value.message_dict == {"variants.0.sku": ["Another variant in this store already has this SKU."]}
    assert make_product(store_b, title="Beta Mug", sku="MUG-1").pk


def test_product_fields_are_validated(store_a):
    with schema_context(store_a.schema_name):
        with pytest.raises(ValidationError) as caught:
            create_product(title="", price="1.00", status="sold-out", seo_title="x" * 71)
        assert set(caught.value.message_dict) == {"title", "status", "seo_title"}
        with pytest.raises(ValidationError) as caught:
            create_product(title="Priceless")
        assert caught.value.message_dict == {"price": ["Price is required."]}
        with pytest.raises(ValidationError) as caught:
            create_product(title="Tee", options=[OptionSpec("Size"), OptionSpec("size")], variants=[])
        assert caught.value.message_dict == {"variants": ["A product needs at least one variant."]}


def test_script_in_a_description_is_removed_and_formatting_kept(store_a):
    dirty = (
        '<p onclick="steal()">Warm <strong>wool</strong></p><script>alert("x")</script>'
        '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">link</a><a href="https://example.com">ok</a>'
    )
    product = make_product(store_a, title="Wool Hat", description=dirty)
    with schema_context(store_a.schema_name):
        stored = Product.objects.get(pk=product.pk).description
        assert stored == (
            '<p>Warm <strong>wool</strong></p><a rel="noopener noreferrer nofollow">link</a>'
            '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>'
        )
        # Every path is covered: the model sanitises on save, whoever calls it.
        update_product(product=product, description="<style>body{}</style><em>soft</em><iframe src=x></iframe>")
        assert Product.objects.get(pk=product.pk).description == "<em>soft</em>"


def test_update_product_changes_own_fields_and_tags_only(store_a):
    product = make_product(store_a, title="Camp Chair", tags=["outdoor"])
    with schema_context(store_a.schema_name):
        update_product(product=product, title="  Camp Chair XL ", status="archived", tags=["outdoor", "large"])
        product.refresh_from_db()
        assert (product.title, product.status) == ("Camp Chair XL", "archived")
        assert sorted(t.name for t in product.tags.all()) == ["large", "outdoor"]
        with pytest.raises(ValidationError) as caught:
            update_product(product=product, price=Decimal("1"))
        assert caught.value.message_dict == {"price": ["This field cannot be changed here."]}
        with pytest.raises(ValidationError):
            update_product(product=product, tags=["a,b"])


def test_the_last_variant_cannot_be_deleted(store_a):
    product = make_product(store_a)
    with schema_context(store_a.schema_name), pytest.raises(ValidationError) as caught:
        delete_variant(variant=product.variants.get())
    assert caught.value.message_dict == {
        "variant": ["A product keeps at least one variant; delete the product instead."]
    }
