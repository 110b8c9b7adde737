"""The seller API: token-only, validation errors as 422 JSON with field paths, nothing half-written."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from storefront.api.models import ApiToken
from storefront.catalog.models import InventoryAdjustment, Product, ProductImage, ProductVariant

from ..catalog.factories import decompression_bomb, make_product, make_shirt, png, png_claiming

SHIRT = {
    "title": "Alpha API Shirt",
    "description": "<p>Organic <em>cotton</em></p><script>document.cookie</script>",
    "tags": ["apparel"],
    "options": [{"name": "Size"}, {"name": "Colour"}],
    "variants": [
        {"sku": "API-S-RED", "price": "19.99", "options": ["S", "Red"], "stock": 3, "track_inventory": True},
        {"sku": "API-M-RED", "price": 21.5, "compare_at_price": "25.00", "options": ["M", "Red"]},
    ],
}


def _counts(store) -> tuple[int, int, int]:
    with schema_context(store.schema_name):
        return Product.objects.count(), ProductVariant.objects.count(), ProductImage.objects.count()


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer mct_wrong", "Basic dXNlcjpwYXNz", "Token abc"])
def test_the_seller_api_needs_a_token_of_this_store(store_a, api, client, authorization):
    extra = {"HTTP_HOST": "alpha.localhost"}
    if authorization:
        extra["HTTP_AUTHORIZATION"] = authorization
    response = client.get("/api/seller/products", **extra)
    assert response.status_code == 401
    assert response.json()["detail"] == "Send a valid API token of this store: Authorization: Bearer mct_…"
    assert response["WWW-Authenticate"] == 'Bearer realm="store API"'


def test_a_product_with_variants_is_created_sanitised_and_priced_exactly(store_a, api, token_a):
    response = api("post", store_a, "/seller/products", token=token_a, json=SHIRT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["description"] == "<p>Organic <em>cotton</em></p>"
    assert (body["status"], body["price"], body["currency"]) == ("active", "19.99", "USD")
    assert [(v["sku"], v["price"], v["compare_at_price"], v["stock"]) for v in body["variants"]] == [
        ("API-S-RED", "19.99", None, 3),
        ("API-M-RED", "21.50", "25.00", 0),
    ]
    with schema_context(store_a.schema_name):
        variant = ProductVariant.objects.get(sku="API-M-RED")
        assert variant.price == Decimal("21.50")  # a JSON number arrives as an exact decimal, never a float
        assert InventoryAdjustment.objects.get(variant__sku="API-S-RED").actor.startswith("api token mct_")


def _variant(**fields) -> dict:
    return {**SHIRT, "variants": [{"sku": "API-BAD", "options": ["S", "Red"], "price": "1.00", **fields}]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (_variant(price="-0.01"), {"variants.0.price": ["Price cannot be negative."]}),
        (_variant(price=-3), {"variants.0.price": ["Price cannot be negative."]}),
        (_variant(price="NaN"), {"variants.0.price": ["Price must be a finite number, not NaN."]}),
        (_variant(price="Infinity"), {"variants.0.price": ["Price must be a finite number, not Infinity."]}),
        (_variant(price="12.345"), {"variants.0.price": ["Price in USD can have at most 2 decimal places."]}),
        (_variant(price=12.345), {"variants.0.price": ["Price in USD can have at most 2 decimal places."]}),
        (
            _variant(price="1e12"),
            {"variants.0.price": ["Price must be a number such as 12.50, written out in full (100, not 1e2)."]},
        ),
        (_variant(price="10000000000"), {"variants.0.price": ["Price must be less than 10,000,000,000."]}),
        (
            _variant(price="\u0661\u0662"),
            {"variants.0.price": ["Price must be a number such as 12.50, written with the digits 0-9."]},
        ),
        (_variant(price="cheap"), {"variants.0.price": ["Price must be a number such as 12.50."]}),
        (_variant(compare_at_price="-1"), {"variants.0.compare_at_price": ["Compare at price cannot be negative."]}),
        (
            _variant(options=["S"]),
            {"variants.0.options": ["Give one value per product option (2: Size, Colour); got 1."]},
        ),
        (_variant(sku=""), {"variants.0.sku": ["String should have at least 1 character"]}),
        (_variant(weight_grams=-1), {"variants.0.weight_grams": ["Input should be greater than or equal to 0"]}),
        ({**SHIRT, "variants": []}, {"variants": ["List should have at least 1 item after validation, not 0"]}),
        ({**SHIRT, "status": "live"}, {"status": ["Input should be 'draft', 'active' or 'archived'"]}),
        ({**SHIRT, "title": ""}, {"title": ["String should have at least 1 character"]}),
        ({"variants": SHIRT["variants"]}, {"title": ["Field required"]}),
        (
            {**SHIRT, "variants": [SHIRT["variants"][0], {**SHIRT["variants"][1], "sku": "API-S-RED"}]},
            {"variants.1.sku": ["Another variant in this store already has this SKU."]},
        ),
        (
            {**SHIRT, "variants": [SHIRT["variants"][0], {**SHIRT["variants"][1], "options": ["S", "Red"]}]},
            {"variants.1.options": ["Another variant of this product already has these option values."]},
        ),
    ],
)
def test_bad_products_are_422_with_field_messages_and_nothing_is_written(store_a, api, token_a, body, errors):
    before = _counts(store_a)
    response = api("post", store_a, "/seller/products", token=token_a, json=body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == errors
    assert _counts(store_a) == before


@pytest.mark.parametrize(
    ("raw", "status", "errors"),
    [
        (
            '{"title": "T", "variants": [{"sku": "R-1", "price": NaN}]}',
            422,
            ["Price must be a finite number, not NaN."],
        ),
        (
            '{"title": "T", "variants": [{"sku": "R-1", "price": Infinity}]}',
            422,
            ["Price must be a finite number, not Infinity."],
        ),
        (
            '{"title": "T", "variants": [{"sku": "R-1", "price": -Infinity}]}',
            422,
            ["Price must be a finite number, not -Infinity."],
        ),
        (
            '{"title": "T", "variants": [{"sku": "R-1", "price": 1e400}]}',
            422,
            ["Price must be a number such as 12.50, written out in full (100, not 1e2)."],
        ),
        (
            '{"title": "T", "variants": [{"sku": "R-1", "price": 10000000000.0}]}',
            422,
            ["Price must be less than 10,000,000,000."],
        ),
        (
            '{"title": "T", "variants": [{"sku": "R-1", "price": 12.500}]}',
            422,
            ["Price in USD can have at most 2 decimal places."],
        ),
        ('{"title": "T", "variants": [{"sku": "R-1", "price": 0.1}]}', 201, None),
        ('{"title": ', 400, None),
        ("[1, 2]", 422, None),
    ],
)
def test_raw_json_edge_cases_never_fail_with_500(store_a, api, token_a, raw, status, errors):
    response = api("post", store_a, "/seller/products", token=token_a, raw=raw)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    if errors:
        assert response.json()["errors"] == {"variants.0.price": errors}
    if status == 201:
        assert response.json()["variants"][0]["price"] == "0.10"


def test_update_and_delete_a_product(store_a, api, token_a):
    product = make_product(store_a, title="Alpha Editable", tags=["old"])
    response = api(
        "patch",
        store_a,
        f"/seller/products/{product.pk}",
        token=token_a,
        json={"title": "Alpha Edited", "status": "draft", "tags": ["new"], "description": "<script>x</script>Hi"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["status"], body["tags"], body["description"]) == (
        "Alpha Edited",
        "draft",
        ["new"],
        "Hi",
    )
    # A draft is gone from the public API but still the seller's.
    assert api("get", store_a, f"/products/{product.pk}").status_code == 404
    assert api("get", store_a, f"/seller/products/{product.pk}", token=token_a).status_code == 200
    response = api("patch", store_a, f"/seller/products/{product.pk}", token=token_a, json={"slug": "alpha-trail-tent"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"slug": ["Another product in this store already has this slug."]}
    assert api("delete", store_a, f"/seller/products/{product.pk}", token=token_a).status_code == 204
    assert api("get", store_a, f"/seller/products/{product.pk}", token=token_a).status_code == 404


def test_variants_are_added_changed_and_removed(store_a, api, token_a):
    shirt = make_shirt(store_a, title="Alpha Variant Shirt", sku_prefix="AVS")
    response = api(
        "post",
        store_a,
        f"/seller/products/{shirt.pk}/variants",
        token=token_a,
        json={"sku": "AVS-L-Blue", "price": "30.00", "options": ["L", "Blue"]},
    )
    assert response.status_code == 201, response.content
    variant_id = response.json()["id"]
    path = f"/seller/variants/{variant_id}"
    response = api("patch", store_a, path, token=token_a, json={"price": "31.00", "compare_at_price": "40.00"})
    assert (response.json()["price"], response.json()["compare_at_price"]) == ("31.00", "40.00")
    response = api("patch", store_a, path, token=token_a, json={"weight_grams": 250})
    assert (response.json()["compare_at_price"], response.json()["weight_grams"]) == ("40.00", 250)
    response = api("patch", store_a, path, token=token_a, json={"compare_at_price": None})
    assert response.json()["compare_at_price"] is None
    response = api("patch", store_a, path, token=token_a, json={"sku": "AVS-S-Red", "price": "NaN"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"price": ["Price must be a finite number, not NaN."]}
    response = api("patch", store_a, path, token=token_a, json={"sku": "AVS-S-Red"})
    assert response.json()["errors"] == {"sku": ["Another variant in this store already has this SKU."]}
    assert api("delete", store_a, path, token=token_a).status_code == 204
    assert api("get", store_a, path, token=token_a).status_code == 404


def test_stock_is_adjusted_by_sku_or_id_and_keeps_its_history(store_a, api, token_a):
    product = make_product(store_a, title="Alpha Stocked", sku="STOCK-1", track_inventory=True, stock=5)
    with schema_context(store_a.schema_name):
        variant_id = product.variants.get().pk

    def adjust(**body):
        return api("post", store_a, "/seller/inventory/adjustments", token=token_a, json={"reason": "received", **body})

    response = adjust(sku="STOCK-1", delta=7, note="delivery 12")
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("delta", "stock_after", "reason", "note")} == {
        "delta": 7,
        "stock_after": 12,
        "reason": "received",
        "note": "delivery 12",
    }
    assert adjust(variant_id=variant_id, set_to=10, reason="correction").json()["delta"] == -2
    assert adjust(variant_id=variant_id, set_to=10, reason="correction").status_code == 200  # nothing to change
    response = adjust(sku="STOCK-1", delta=-11, reason="sold")
    assert response.status_code == 422
    assert response.json()["errors"] == {"delta": ["Only 10 of STOCK-1 in stock; cannot remove 11."]}
    assert adjust(sku="NOPE-404", delta=1).json() == {
        "detail": "No variant with SKU 'NOPE-404' in this store.",
        "errors": {},
    }
    assert adjust(variant_id=999999, delta=1).status_code == 404
    assert adjust(sku="STOCK-1", variant_id=variant_id, delta=1).json()["errors"] == {
        "__all__": ["Give either variant_id or sku."]
    }
    assert adjust(sku="STOCK-1").json()["errors"] == {"__all__": ["Give either delta or set_to."]}
    assert adjust(sku="STOCK-1", delta=1, reason="gift").status_code == 422
    assert adjust(sku="STOCK-1", delta=0).json()["errors"] == {"delta": ["Adjust by a whole number other than 0."]}
    history = api("get", store_a, f"/seller/variants/{variant_id}/adjustments", token=token_a).json()
    assert [(a["delta"], a["stock_after"], a["reason"]) for a in history["items"]] == [
        (-2, 10, "correction"),
        (7, 12, "received"),
        (5, 5, "initial"),
    ]


def _upload(api, store, token, product_id: int, content: bytes, name: str = "picture.png", **fields):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    return api("post", store, f"/seller/products/{product_id}/images", token=token, data={"file": upload, **fields})


def test_a_picture_is_uploaded_and_served_from_the_store_folder(store_a, api, token_a, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    product = make_product(store_a, title="Alpha Pictured")
    response = _upload(api, store_a, token_a, product.pk, png(90, 60), name="photo.exe", alt_text="Front view")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["alt_text"], body["width"], body["height"], body["thumbnail_url"]) == ("Front view", 90, 60, None)
    assert body["url"] == f"/media/{store_a.schema_name}/products/alpha-pictured.png"
    assert client.get(body["url"], HTTP_HOST="alpha.localhost").status_code == 200
    assert api("get", store_a, f"/products/{product.pk}").json()["images"][0]["id"] == body["id"]
    response = api("patch", store_a, f"/seller/images/{body['id']}", token=token_a, json={"alt_text": "Back"})
    assert response.json()["alt_text"] == "Back"
    assert api("delete", store_a, f"/seller/images/{body['id']}", token=token_a).status_code == 204


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (png() + b"\0" * (20 * 1024 * 1024), "The image is 20.0 MB; the limit is 10 MB."),
        (b"MZ\x90\x00 not a picture", "The file is not an image we can read."),
        (png_claiming(9000, 9000), "The image is 9000 x 9000 pixels (81 megapixels); the limit is 40 megapixels."),
        (decompression_bomb(), "The image has far too many pixels for its file size (a decompression bomb)"),
    ],
    ids=["20 MB", "not an image", "81 megapixels", "decompression bomb"],
)
def test_bad_uploads_are_422_and_store_nothing(store_a, api, token_a, settings, tmp_path, content, message):
    settings.MEDIA_ROOT = tmp_path
    product = make_product(store_a, title="Alpha Unpictured")
    before = _counts(store_a)
    response = _upload(api, store_a, token_a, product.pk, content)
    assert response.status_code == 422
    assert response.json()["errors"]["image"][0].startswith(message)
    assert _counts(store_a) == before
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_an_upload_without_a_file_is_422(store_a, api, token_a):
    product = make_product(store_a, title="Alpha No File")
    response = api("post", store_a, f"/seller/products/{product.pk}/images", token=token_a, data={"alt_text": "x"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"file": ["Field required"]}


def test_collections_are_managed_and_unknown_products_are_named(store_a, api, token_a):
    a = make_product(store_a, title="Alpha A")
    b = make_product(store_a, title="Alpha B")
    response = api(
        "post", store_a, "/seller/collections", token=token_a, json={"title": "Alpha Duo", "product_ids": [b.pk, a.pk]}
    )
    assert response.status_code == 201, response.content
    collection_id = response.json()["id"]
    listed = api("get", store_a, f"/collections/{collection_id}/products").json()["items"]
    assert [p["title"] for p in listed] == ["Alpha B", "Alpha A"]
    response = api(
        "patch", store_a, f"/seller/collections/{collection_id}", token=token_a, json={"product_ids": [a.pk, 999999]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"product_ids": ["No product 999999 in this store."]}
    response = api(
        "patch",
        store_a,
        f"/seller/collections/{collection_id}",
        token=token_a,
        json={"kind": "rule", "rule_min_price": "5", "rule_max_price": "1", "product_ids": []},
    )
    assert response.json()["errors"] == {"rule_max_price": ["The maximum price must not be below the minimum."]}
    assert api("delete", store_a, f"/seller/collections/{collection_id}", token=token_a).status_code == 204


def test_tokens_are_listed_without_secrets_and_a_revoked_token_stops_working(store_a, api, token_a):
    listed = api("get", store_a, "/seller/tokens", token=token_a).json()["items"]
    fields = {"id", "name", "prefix", "scopes", "created_by", "created_at", "last_used_at", "revoked_at"}
    assert len(listed) == 1 and set(listed[0]) == fields
    assert token_a.startswith(listed[0]["prefix"]) and len(listed[0]["prefix"]) == 12
    assert listed[0]["last_used_at"] is not None
    with schema_context(store_a.schema_name):
        stored = ApiToken.objects.get()
        assert token_a not in (stored.digest, stored.prefix, stored.name)
    response = api("delete", store_a, f"/seller/tokens/{listed[0]['id']}", token=token_a)
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    assert api("get", store_a, "/seller/tokens", token=token_a).status_code == 401
