"""API token scopes: each seller endpoint asks for its scope, members grant only what their role allows."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from storefront.api.dashboard_forms import ApiTokenForm
from storefront.api.models import ApiToken
from storefront.api.scopes import ALL_SCOPES
from storefront.api.services import create_api_token
from tests.conftest import add_member, host_of, make_user, sign_in_on

from ..catalog.factories import make_shirt

MISSING_ORDER = 987_654_321  # no store has an order with this number: a 404 means the scope check let it through


def _token(store, *scopes: str, created_by=None) -> str:
    with schema_context(store.schema_name):
        return create_api_token(name="scoped", scopes=scopes, created_by=created_by).secret


def _refused(response, scope: str) -> bool:
    return response.status_code == 403 and response.json() == {
        "detail": f"This API token lacks the {scope} scope.",
        "errors": {},
    }


def _product_payload(sku: str) -> dict:
    return {"title": f"Scoped {sku}", "variants": [{"sku": sku, "price": "10.00", "stock": 1}]}


# --- Each scope opens its endpoints and no others ---------------------------------------------------------


def test_catalog_read_reads_the_catalog_but_cannot_change_it(store_a, api):
    shirt = make_shirt(store_a)
    token = _token(store_a, "catalog:read")
    assert api("get", store_a, "/seller/products", token=token).status_code == 200
    assert api("get", store_a, f"/seller/products/{shirt.pk}", token=token).json()["title"] == "Field Shirt"
    assert api("post", store_a, "/seller/catalog/exports", token=token).status_code == 202  # exporting only reads
    refused = api("post", store_a, "/seller/products", token=token, json=_product_payload("RO-1"))
    assert _refused(refused, "catalog:write")
    patched = api("patch", store_a, f"/seller/products/{shirt.pk}", token=token, json={"title": "Renamed"})
    assert _refused(patched, "catalog:write")
    assert _refused(api("delete", store_a, f"/seller/products/{shirt.pk}", token=token), "catalog:write")
    with schema_context(store_a.schema_name):
        shirt.refresh_from_db()
        assert shirt.title == "Field Shirt"
    assert _refused(api("get", store_a, "/seller/orders", token=token), "orders:read")


def test_catalog_write_changes_the_catalog_but_cannot_read_orders(store_a, api):
    token = _token(store_a, "catalog:write")
    created = api("post", store_a, "/seller/products", token=token, json=_product_payload("RW-1"))
    assert created.status_code == 201, created.content
    # Writing does not include reading: a program given only catalog:write sees nothing it did not send.
    assert _refused(api("get", store_a, "/seller/products", token=token), "catalog:read")
    assert _refused(api("get", store_a, "/seller/orders", token=token), "orders:read")
    assert _refused(
        api("post", store_a, f"/seller/orders/{MISSING_ORDER}/refund", token=token, json={}), "orders:refund"
    )


def test_orders_read_lists_orders_but_cannot_fulfil_refund_or_touch_the_catalog(store_a, api):
    token = _token(store_a, "orders:read")
    assert api("get", store_a, "/seller/orders", token=token).status_code == 200
    assert api("get", store_a, f"/seller/orders/{MISSING_ORDER}", token=token).status_code == 404
    fulfil = {"carrier": "UPS", "tracking_number": "1Z999"}
    fulfilled = api("post", store_a, f"/seller/orders/{MISSING_ORDER}/fulfil", token=token, json=fulfil)
    assert _refused(fulfilled, "orders:write")
    refunded = api("post", store_a, f"/seller/orders/{MISSING_ORDER}/refund", token=token, json={})
    assert _refused(refunded, "orders:refund")
    assert _refused(api("get", store_a, "/seller/products", token=token), "catalog:read")


def test_orders_write_fulfils_but_refunding_needs_orders_refund(store_a, api):
    token = _token(store_a, "orders:read", "orders:write")
    fulfil = {"carrier": "UPS", "tracking_number": "1Z999"}
    # Past the scope check, the endpoint itself answers: this store has no such order.
    assert api("post", store_a, f"/seller/orders/{MISSING_ORDER}/fulfil", token=token, json=fulfil).status_code == 404
    refunded = api("post", store_a, f"/seller/orders/{MISSING_ORDER}/refund", token=token, json={"amount": "1.00"})
    assert _refused(refunded, "orders:refund")


def test_orders_refund_reaches_the_refund_endpoint(store_a, api):
    token = _token(store_a, "orders:refund")
    assert api("post", store_a, f"/seller/orders/{MISSING_ORDER}/refund", token=token, json={}).status_code == 404
    assert _refused(api("get", store_a, "/seller/orders", token=token), "orders:read")


def test_managing_tokens_needs_a_token_with_every_scope(store_a, api):
    narrow = _token(store_a, "catalog:read", "catalog:write", "orders:read", "orders:write")
    full = _token(store_a, *ALL_SCOPES)
    response = api("get", store_a, "/seller/tokens", token=narrow)
    assert response.status_code == 403
    assert response.json()["detail"] == "This API token lacks the orders:refund scope."
    with schema_context(store_a.schema_name):
        full_id = ApiToken.objects.get(prefix=full[:12]).pk
    # A narrow token cannot switch off a wider one.
    assert api("delete", store_a, f"/seller/tokens/{full_id}", token=narrow).status_code == 403
    assert api("get", store_a, "/seller/orders", token=full).status_code == 200
    listed = api("get", store_a, "/seller/tokens", token=full).json()["items"]
    assert {item["prefix"]: item["scopes"] for item in listed} == {
        narrow[:12]: ["catalog:read", "catalog:write", "orders:read", "orders:write"],
        full[:12]: list(ALL_SCOPES),
    }


def test_a_refused_token_names_every_missing_scope(store_a, api):
    token = _token(store_a, "catalog:read")
    response = api("get", store_a, "/seller/tokens", token=token)
    assert response.json()["detail"] == (
        "This API token lacks the catalog:write, orders:read, orders:write and orders:refund scopes."
    )


def test_an_unknown_or_revoked_token_is_still_401_not_403(store_a, api):
    assert api("get", store_a, "/seller/orders", token="mct_not-a-token").status_code == 401
    assert api("get", store_a, "/seller/orders").status_code == 401


# --- Who may grant what -----------------------------------------------------------------------------------


def test_a_staff_member_cannot_grant_the_refund_scope(store_a, client):
    staff = add_member(store_a, make_user("staff@alpha.test"), "staff")
    form = ApiTokenForm({"name": "warehouse", "scopes": ["orders:read", "orders:refund"]}, membership=staff)
    assert not form.is_valid()
    assert form.errors["scopes"] == ["As staff you can't grant orders:refund: a token does no more than you can."]
    allowed = ApiTokenForm({"name": "warehouse", "scopes": ["catalog:read", "orders:write"]}, membership=staff)
    assert allowed.is_valid(), allowed.errors
    # The service holds the same line for any other caller, and writes nothing.
    with schema_context(store_a.schema_name):
        with pytest.raises(ValidationError) as refused:
            create_api_token(name="warehouse", scopes=["orders:refund"], created_by=staff)
        assert "orders:refund" in refused.value.message_dict["scopes"][0]
        assert not ApiToken.objects.exists()
    # And the page itself needs the manager role.
    sign_in_on(client, staff.user, store_a)
    posted = client.post(
        "/dashboard/api-tokens/", {"name": "w", "scopes": ["catalog:read"]}, HTTP_HOST=host_of(store_a)
    )
    assert posted.status_code == 403


def test_a_manager_makes_a_scoped_token_that_records_who_made_it(store_a, client, api):
    manager = add_member(store_a, make_user("manager@alpha.test"), "manager")
    sign_in_on(client, manager.user, store_a)
    response = client.post(
        "/dashboard/api-tokens/",
        {"name": "Refund desk", "scopes": ["orders:read", "orders:refund"]},
        HTTP_HOST=host_of(store_a),
    )
    assert response.status_code == 200
    secret = response.context["issued"].secret
    assert secret.startswith("mct_") and secret in response.content.decode()
    with schema_context(store_a.schema_name):
        token = ApiToken.objects.get()
        assert (token.name, token.scopes, token.created_by) == (
            "Refund desk",
            ["orders:read", "orders:refund"],
            "manager@alpha.test",
        )
    assert api("get", store_a, "/seller/orders", token=secret).status_code == 200
    assert _refused(api("get", store_a, "/seller/products", token=secret), "catalog:read")


def test_the_dashboard_form_needs_a_scope_and_a_name(store_a, client):
    owner = add_member(store_a, make_user("owner2@alpha.test"), "owner")
    sign_in_on(client, owner.user, store_a)
    response = client.post("/dashboard/api-tokens/", {"name": "  "}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert response.context["form"].errors["scopes"] == ["Choose at least one scope for the token."]
    with schema_context(store_a.schema_name):
        assert not ApiToken.objects.exists()


def test_the_token_page_shows_scopes_creator_last_use_and_revokes(store_a, client, api):
    manager = add_member(store_a, make_user("lister@alpha.test"), "manager")
    secret = _token(store_a, "catalog:read", "orders:read", created_by=manager)
    sign_in_on(client, manager.user, store_a)
    page = client.get("/dashboard/api-tokens/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "catalog:read, orders:read" in page and "lister@alpha.test" in page and "never" in page
    assert secret not in page
    api("get", store_a, "/seller/products", token=secret)
    page = client.get("/dashboard/api-tokens/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "never" not in page
    with schema_context(store_a.schema_name):
        token_id = ApiToken.objects.get().pk
    revoked = client.post(f"/dashboard/api-tokens/{token_id}/revoke/", HTTP_HOST=host_of(store_a))
    assert revoked.status_code == 302
    assert api("get", store_a, "/seller/products", token=secret).status_code == 401


# --- Tokens made before scopes, and use ------------------------------------------------------------------


def test_the_migration_gives_tokens_made_before_scopes_every_scope(store_a):
    migration = importlib.import_module("storefront.api.migrations.0002_apitoken_scopes_and_creator")
    with schema_context(store_a.schema_name):
        old = ApiToken.objects.create(name="old sync", prefix="mct_old", digest="0" * 64, scopes=[])
        new = ApiToken.objects.create(name="reader", prefix="mct_new", digest="1" * 64, scopes=["catalog:read"])
        migration.grant_every_scope_to_existing_tokens(django_apps, None)
        old.refresh_from_db()
        new.refresh_from_db()
        assert old.scopes == list(ALL_SCOPES) == migration.SCOPES_BEFORE_SCOPES_EXISTED
        assert new.scopes == ["catalog:read"]  # a token made with scopes keeps exactly those


def test_last_used_at_is_recorded_when_a_token_is_used(store_a, api):
    secret = _token(store_a, "catalog:read")
    with schema_context(store_a.schema_name):
        assert ApiToken.objects.get().last_used_at is None
    api("get", store_a, "/seller/products", token=secret)
    with schema_context(store_a.schema_name):
        assert ApiToken.objects.get().last_used_at is not None


# --- Isolation --------------------------------------------------------------------------------------------


def test_a_store_b_token_with_every_scope_gets_nothing_of_store_a(store_a, store_b, api, client):
    shirt = make_shirt(store_a, title="Alpha Only", sku_prefix="AONLY")
    token_b = _token(store_b, *ALL_SCOPES)
    # On A's host, B's token is unknown whatever its scopes.
    for method, path in [
        ("get", "/seller/products"),
        ("get", f"/seller/products/{shirt.pk}"),
        ("get", "/seller/orders"),
        ("get", "/seller/tokens"),
    ]:
        assert api(method, store_a, path, token=token_b).status_code == 401, path
    assert api("post", store_a, "/seller/products", token=token_b, json=_product_payload("B-1")).status_code == 401
    # On B's host, A's ids are not found.
    assert api("get", store_b, f"/seller/products/{shirt.pk}", token=token_b).status_code == 404
    with schema_context(store_a.schema_name):
        a_token = create_api_token(name="alpha", scopes=["catalog:read"])
    assert api("delete", store_b, f"/seller/tokens/{a_token.token.pk}", token=token_b).status_code == 404
    # A manager of B cannot revoke A's token from B's dashboard either.
    manager_b = add_member(store_b, make_user("manager@beta.test"), "manager")
    sign_in_on(client, manager_b.user, store_b)
    response = client.post(f"/dashboard/api-tokens/{a_token.token.pk}/revoke/", HTTP_HOST=host_of(store_b))
    assert response.status_code == 404
    with schema_context(store_a.schema_name):
        assert ApiToken.objects.get(pk=a_token.token.pk).revoked_at is None


# --- The OpenAPI document ---------------------------------------------------------------------------------


def test_the_openapi_document_names_each_seller_endpoints_scope(store_a, client):
    paths = client.get("/api/openapi.json", HTTP_HOST=host_of(store_a)).json()["paths"]
    expected = {
        ("get", "/api/seller/products"): ["catalog:read"],
        ("post", "/api/seller/products"): ["catalog:write"],
        ("post", "/api/seller/catalog/exports"): ["catalog:read"],
        ("get", "/api/seller/orders"): ["orders:read"],
        ("post", "/api/seller/orders/{number}/fulfil"): ["orders:write"],
        ("post", "/api/seller/orders/{number}/refund"): ["orders:refund"],
        ("get", "/api/seller/tokens"): list(ALL_SCOPES),
    }
    for (method, path), scopes in expected.items():
        operation = paths[path][method]
        assert operation["x-token-scopes"] == scopes, path
        assert all(f"`{scope}`" in operation["description"] for scope in scopes), path
    # Every seller endpoint says what it needs; the buyer's endpoints need no token at all.
    for path, operations in paths.items():
        for method, operation in operations.items():
            if path.startswith("/api/seller/"):
                assert operation["x-token-scopes"], (method, path)
                assert operation["security"] == [{"StoreToken": []}], (method, path)
            else:
                assert "x-token-scopes" not in operation, (method, path)
