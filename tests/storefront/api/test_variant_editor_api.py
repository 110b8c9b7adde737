"""PUT /api/seller/products/{id}/variants: a product's options and whole variant list, as the dashboard's editor."""

from django_tenants.utils import schema_context

from storefront.catalog.models import InventoryAdjustment, ProductOption, ProductVariant

from ..catalog.factories import make_product, make_shirt
from .test_isolation import _move_ids_past


def _state(store, product_id: int) -> tuple:
    with schema_context(store.schema_name):
        return (
            list(ProductOption.objects.filter(product_id=product_id).values_list("name", "values")),
            list(ProductVariant.objects.filter(product_id=product_id).order_by("id").values_list("id", "sku", "price")),
            InventoryAdjustment.objects.filter(variant__product_id=product_id).count(),
        )


def test_the_options_and_variants_are_replaced_and_the_named_variants_kept(store_a, api, token_a):
    shirt = make_shirt(store_a, title="Alpha Grid Shirt", sku_prefix="AGS")
    with schema_context(store_a.schema_name):
        ids = dict(shirt.variants.values_list("sku", "pk"))
    body = {
        "options": [
            {"name": "Size", "values": ["S", "M"]},
            {"name": "Colour", "values": ["Blue"]},
            {"name": "Fit", "values": ["Regular", "Slim"]},
        ],
        "variants": [
            {"id": ids["AGS-S-Blue"], "options": ["S", "Blue", "Regular"]},
            {"sku": "AGS-M-Blue", "options": ["M", "Blue", "Regular"], "price": "23.00", "stock": 7},
            {"sku": "AGS-S-SLIM", "options": ["S", "Blue", "Slim"], "price": "21.00", "weight_grams": 250},
            {"options": ["M", "Blue", "Slim"], "price": 21.5, "compare_at_price": "30.00", "track_inventory": True},
        ],
    }
    response = api("put", store_a, f"/seller/products/{shirt.pk}/variants", token=token_a, json=body)
    assert response.status_code == 200, response.content
    product = response.json()
    assert [(o["name"], o["values"]) for o in product["options"]] == [
        ("Size", ["S", "M"]),
        ("Colour", ["Blue"]),
        ("Fit", ["Regular", "Slim"]),
    ]
    assert [
        (v["sku"], v["options"], v["price"], v["compare_at_price"], v["stock"], v["weight_grams"])
        for v in product["variants"]
    ] == [
        ("AGS-S-Blue", ["S", "Blue", "Regular"], "20.00", None, 5, 0),
        ("AGS-M-Blue", ["M", "Blue", "Regular"], "23.00", None, 7, 0),
        ("AGS-S-SLIM", ["S", "Blue", "Slim"], "21.00", None, 0, 250),
        ("ALPHA-GRID-SHIRT-M-BLUE-SLIM", ["M", "Blue", "Slim"], "21.50", "30.00", 0, 0),
    ]
    assert [v["id"] for v in product["variants"][:2]] == [ids["AGS-S-Blue"], ids["AGS-M-Blue"]]
    with schema_context(store_a.schema_name):
        assert not ProductVariant.objects.filter(sku__in=["AGS-S-Red", "AGS-M-Red"]).exists()
        history = InventoryAdjustment.objects.filter(variant_id=ids["AGS-M-Blue"]).order_by("id")
        assert [(row.delta, row.reason, row.actor.startswith("api token mct_")) for row in history] == [
            (5, "initial", False),
            (2, "correction", True),
        ]


def test_a_bad_list_is_422_with_field_messages_and_nothing_changes(store_a, api, token_a):
    shirt = make_shirt(store_a, title="Alpha Grid Refused", sku_prefix="AGR")
    before = _state(store_a, shirt.pk)
    path = f"/seller/products/{shirt.pk}/variants"
    body = {
        "options": [{"name": "Size", "values": ["S", "M", "m"]}],
        "variants": [{"sku": "AGR-S-Blue", "options": ["S"]}],
    }
    response = api("put", store_a, path, token=token_a, json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "options.0.values": ["'Size' has the value 'm' twice; each value of an option must differ."]
    }
    body = {
        "options": [{"name": "Size", "values": ["S", "M"]}],
        "variants": [
            {"sku": "AGR-S-Blue", "options": ["S"], "price": "5.00", "compare_at_price": "4.00"},
            {"options": ["M"]},
            {"options": ["M"], "price": "2.00", "sku": "ALPHA-TRAIL-TENT"},
        ],
    }
    response = api("put", store_a, path, token=token_a, json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "variants.0.compare_at_price": ["Compare-at price must be higher than the price."],
        "variants.1.price": ["Give the new variant a price."],
        "variants.2.options": ["Another variant of this product already has these option values."],
        "variants.2.sku": ["Another variant in this store already has this SKU."],
    }
    response = api("put", store_a, path, token=token_a, json={"options": [], "variants": []})
    assert response.status_code == 422
    assert response.json()["errors"] == {"variants": ["List should have at least 1 item after validation, not 0"]}
    assert _state(store_a, shirt.pk) == before


def test_store_b_can_neither_edit_store_a_product_nor_keep_its_variants_by_id(store_a, store_b, api, token_b):
    _move_ids_past(store_a, store_b)  # A's ids are ones B has never used: "not found" is isolation, not luck
    shirt = make_shirt(store_a, title="Alpha Grid Private", sku_prefix="AGP")
    novel = make_product(store_b, title="Beta Grid Novel", sku="BGN-1")
    with schema_context(store_a.schema_name):
        variant_id = shirt.variants.get(sku="AGP-S-Blue").pk
    before_a, before_b = _state(store_a, shirt.pk), _state(store_b, novel.pk)
    body = {"options": [{"name": "Size", "values": ["S"]}], "variants": [{"id": variant_id, "options": ["S"]}]}
    response = api("put", store_b, f"/seller/products/{shirt.pk}/variants", token=token_b, json=body)
    assert (response.status_code, response.json()["detail"]) == (404, f"No product {shirt.pk} in this store.")
    response = api("put", store_b, f"/seller/products/{novel.pk}/variants", token=token_b, json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"variants.0.id": [f"This product has no variant {variant_id}."]}
    response = api("put", store_a, f"/seller/products/{shirt.pk}/variants", token=token_b, json=body)
    assert response.status_code == 401
    assert (_state(store_a, shirt.pk), _state(store_b, novel.pk)) == (before_a, before_b)
