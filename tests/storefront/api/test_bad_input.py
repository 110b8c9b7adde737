"""Hostile input to the store API gets a 4xx with a message, never a 500: NUL characters in any text, numbers past
what a column holds, bodies that cannot be parsed; and each operation's OpenAPI entry lists those answers."""

import io
import json

import pytest
from django_tenants.utils import schema_context

from platform.kit.ids import MAX_ID
from storefront.api.api import api as store_api
from storefront.catalog.models import Product
from tests.conftest import host_of

from ..catalog.factories import make_product, png

HUGE = 314264503845334569798204391424  # past PostgreSQL's bigint
NUL_MESSAGE = "contains a NUL character (%00 or \\u0000), which no text here may hold."


def _nul_refusal(field: str, where: str) -> dict:
    message = f"{where} {NUL_MESSAGE}"
    return {"detail": message, "errors": {field: [message]}}


# --- NUL characters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/search?q=%00", "q"), ("/products?q=tent%00", "q"), ("/variants?sku=%00", "sku")],
)
def test_a_nul_in_a_query_parameter_is_refused_with_its_name(api, store_a, path, parameter):
    response = api("get", store_a, path)
    assert response.status_code == 400
    assert response.json() == _nul_refusal(parameter, f"The query parameter “{parameter}”")


def test_a_nul_in_a_seller_query_parameter_is_refused(api, store_a, token_a):
    for path in ("/seller/products?q=%00", "/seller/orders?email=%00"):
        response = api("get", store_a, path, token=token_a)
        assert response.status_code == 400, path
        assert NUL_MESSAGE in response.json()["detail"]


def test_a_nul_in_a_path_parameter_is_refused(api, store_a):
    response = api("get", store_a, "/orders/%00")
    assert response.status_code == 400
    assert response.json() == {"detail": f"The address {NUL_MESSAGE}", "errors": {}}


def test_a_nul_in_a_json_field_is_refused_with_the_field_named(api, store_a):
    response = api("post", store_a, "/checkout/quote", json={"lines": [{"sku": "\u0000", "quantity": 1}]})
    assert response.status_code == 400
    assert response.json() == _nul_refusal("lines.0.sku", "The field “lines.0.sku”")


def test_a_nul_in_a_new_product_is_refused_and_nothing_is_made(api, store_a, token_a):
    body = {"title": "Nul\u0000 Mug", "tags": ["ok", "b\u0000d"], "variants": [{"sku": "NUL-1", "price": "5.00"}]}
    response = api("post", store_a, "/seller/products", token=token_a, json=body)
    assert response.status_code == 400
    assert response.json() == _nul_refusal("title", "The field “title”")
    with schema_context(store_a.schema_name):
        assert not Product.objects.filter(title__startswith="Nul").exists()


def test_a_nul_in_a_json_key_and_a_lone_surrogate_are_refused(api, store_a):
    keyed = api("post", store_a, "/checkout/quote", raw='{"lines": [], "a\\u0000": 1}')
    assert keyed.status_code == 400
    assert keyed.json()["errors"] == {"__all__": [f"The field “__all__” {NUL_MESSAGE}"]}
    surrogate = api("post", store_a, "/checkout/quote", raw='{"lines": [{"sku": "\\ud800", "quantity": 1}]}')
    assert surrogate.status_code == 400
    assert surrogate.json()["errors"] == {
        "lines.0.sku": ["The field “lines.0.sku” holds a character that is not valid Unicode (a lone surrogate)."]
    }


def test_a_body_that_is_not_json_is_refused_with_the_parser_s_reason(api, store_a):
    response = api("post", store_a, "/checkout/quote", raw="{not json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The body is not valid JSON (Expecting property name")
    latin1 = api("post", store_a, "/checkout/quote", raw='{"email": "caf\xe9"}'.encode("latin-1"))
    assert latin1.status_code == 400
    assert latin1.json()["detail"] == "The body is not UTF-8 text; send JSON encoded as UTF-8."


# --- Numbers past a column --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/products", "/search?q=tent&", "/collections"])
def test_an_offset_past_bigint_is_refused_and_the_largest_is_an_empty_page(api, store_a, path):
    joiner = "" if path.endswith("&") else "?"
    refused = api("get", store_a, f"{path}{joiner}offset={HUGE}")
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["offset"]
    largest = api("get", store_a, f"{path}{joiner}offset={MAX_ID}")
    assert largest.status_code == 200
    assert largest.json()["items"] == []


def test_an_offset_past_bigint_is_refused_on_seller_lists(api, store_a, token_a):
    for path in ("/seller/products", "/seller/orders", "/seller/tokens"):
        response = api("get", store_a, f"{path}?offset={HUGE}", token=token_a)
        assert response.status_code == 422, path
        assert list(response.json()["errors"]) == ["offset"]


def test_ids_past_bigint_in_the_path_are_simply_not_found(api, store_a, token_a):
    response = api("get", store_a, f"/products/{HUGE}")
    assert response.json() == {"detail": f"No product {HUGE} in this store.", "errors": {}}
    for path in (f"/seller/variants/{MAX_ID + 1}", f"/seller/collections/{HUGE}", f"/seller/tokens/{HUGE}"):
        method = "get" if "variants" in path else "delete"
        assert api(method, store_a, path, token=token_a).status_code == 404, path


def test_ids_past_bigint_in_a_body_are_refused_with_the_field_named(api, store_a, token_a):
    quote = api("post", store_a, "/checkout/quote", json={"lines": [{"variant_id": HUGE, "quantity": 1}]})
    assert (quote.status_code, list(quote.json()["errors"])) == (422, ["lines.0.variant_id"])
    shipping = {"lines": [{"sku": "X", "quantity": 1}], "country": "US", "shipping_method_id": HUGE}
    assert list(api("post", store_a, "/checkout/quote", json=shipping).json()["errors"]) == ["shipping_method_id"]
    collection = api(
        "post", store_a, "/seller/collections", token=token_a, json={"title": "Big", "product_ids": [HUGE]}
    )
    assert (collection.status_code, list(collection.json()["errors"])) == (422, ["product_ids.0"])
    stock = {"variant_id": HUGE, "delta": 1, "reason": "received"}
    adjusted = api("post", store_a, "/seller/inventory/adjustments", token=token_a, json=stock)
    assert (adjusted.status_code, list(adjusted.json()["errors"])) == (422, ["variant_id"])


def test_stock_adjusted_past_what_its_column_holds_is_refused(api, store_a, token_a):
    product = make_product(store_a, track_inventory=True, stock=0)
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
    body = {"variant_id": variant.pk, "delta": 1_000_000_000, "reason": "received"}
    for _ in range(2):
        assert api("post", store_a, "/seller/inventory/adjustments", token=token_a, json=body).status_code == 201
    third = api("post", store_a, "/seller/inventory/adjustments", token=token_a, json=body)
    assert third.status_code == 422
    message = f"Stock must stay between -2,147,483,647 and 2,147,483,647; {variant.sku} has 2,000,000,000."
    assert third.json()["errors"] == {"delta": [message]}


def test_an_order_filter_with_any_iso_offset_is_read_in_utc(api, store_a, token_a):
    # PostgreSQL takes offsets up to 15:59; ISO 8601 allows up to 23:59.
    response = api("get", store_a, "/seller/orders?created_after=2024-07-07T12:16:31-18:27", token=token_a)
    assert response.status_code == 200
    too_early = api("get", store_a, "/seller/orders?created_before=0001-01-01T00:00:00%2B05:00", token=token_a)
    assert too_early.status_code == 422
    assert too_early.json()["errors"] == {
        "created_before": ["Give a time whose date in UTC is between the years 1 and 9999."]
    }


# --- Bodies Django cannot parse ---------------------------------------------------------------------------


def test_more_files_than_allowed_are_refused_with_a_message(api, store_a, token_a):
    product = make_product(store_a)
    files = {f"file{number}": io.BytesIO(png(4, 4)) for number in range(101)}
    response = api("post", store_a, f"/seller/products/{product.pk}/images", token=token_a, data=files)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request has more than 100 files.", "errors": {}}


def test_a_multipart_body_without_a_boundary_is_refused_with_a_message(client, store_a, token_a):
    product = make_product(store_a)
    response = client.generic(
        "POST",
        f"/api/seller/products/{product.pk}/images",
        b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n--x--\r\n",
        content_type="multipart/form-data",
        HTTP_HOST=host_of(store_a),
        HTTP_AUTHORIZATION=f"Bearer {token_a}",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The form data could not be read (Invalid boundary in multipart")


def test_a_json_body_past_the_size_limit_gets_413(api, store_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2**20
    body = {"lines": [{"sku": "X" * 2**20, "quantity": 1}]}
    response = api("post", store_a, "/checkout/quote", json=body)
    assert response.status_code == 413
    assert response.json()["detail"] == "The request is larger than the 1 MB this site accepts (uploaded files apart)."


# --- The document says so ---------------------------------------------------------------------------------


def test_every_operation_documents_the_refusals_it_can_answer():
    document = store_api.get_openapi_schema(path_prefix="/api/")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            where = f"{method.upper()} {path}"
            assert {400, 414} <= statuses, where
            if operation.get("parameters") or operation.get("requestBody"):
                assert 422 in statuses, where
            if operation.get("requestBody"):
                assert 413 in statuses, where
            if path.startswith("/api/seller/"):
                assert {401, 403} <= statuses, where
    quote = document["paths"]["/api/checkout/quote"]["post"]["responses"][400]
    assert quote["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    body = json.dumps(document)
    assert f'"maximum": {MAX_ID}' in body
