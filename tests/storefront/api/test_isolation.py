"""Store B can neither read nor change store A's catalog: not with its token on A's host, not with A's ids on its own."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django_tenants.utils import schema_context

from storefront.api.models import ApiToken
from storefront.catalog.models import (
    CatalogExport,
    CatalogImport,
    Collection,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductVariant,
)
from storefront.catalog.services import add_product_image, create_collection

from ..catalog.factories import make_shirt, png
from .conftest import issue_token

MODELS = (Product, ProductVariant, ProductImage, Collection, CatalogImport, CatalogExport, ApiToken)


def _move_ids_past(store_a, store_b) -> None:
    """Make A's next ids ones that store B has never used, so "not found on B" cannot be a lucky coincidence."""
    # Sequences, not rows: ids taken by rolled-back tests count too, and a sequence must only move forward.
    for model in MODELS:
        table = model._meta.db_table
        highest = 0
        for store in (store_a, store_b):
            with schema_context(store.schema_name), connection.cursor() as cursor:
                cursor.execute("SELECT last_value FROM pg_sequences WHERE sequencename = %s AND schemaname = %s",
                               [f"{table}_id_seq", store.schema_name])  # fmt: skip
                highest = max(highest, cursor.fetchone()[0] or 0)
        with schema_context(store_a.schema_name), connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, highest + 1000])


@pytest.fixture
def alpha_catalog(store_a, store_b, settings, tmp_path) -> dict:
    """One of everything in store A, by id (ids store B does not have), and A's API token."""
    settings.MEDIA_ROOT = tmp_path
    _move_ids_past(store_a, store_b)
    secret = issue_token(store_a)
    shirt = make_shirt(store_a, title="Alpha Private Shirt", sku_prefix="PRIV")
    with schema_context(store_a.schema_name):
        image = add_product_image(product=shirt, file=ContentFile(png(), name="p.png"))
        collection = create_collection(title="Alpha Private", products=[shirt])
        catalog_import = CatalogImport.objects.create(source="sku,price\nPRIV-S-Blue,1.00\n", status="done")
        catalog_export = CatalogExport.objects.create(status="done", content="sku\nPRIV-S-Blue\n")
        return {
            "secret": secret,
            "product": shirt.pk,
            "variant": shirt.variants.get(sku="PRIV-S-Blue").pk,
            "image": image.pk,
            "image_url": image.image.url,
            "collection": collection.pk,
            "import": catalog_import.pk,
            "export": catalog_export.pk,
            "token": ApiToken.objects.get().pk,
        }


def _snapshot(store) -> dict:
    with schema_context(store.schema_name):
        return {
            "products": list(Product.objects.values_list("pk", "title", "status", "price").order_by("pk")),
            "variants": list(ProductVariant.objects.values_list("pk", "sku", "price", "stock").order_by("pk")),
            "images": list(ProductImage.objects.values_list("pk", "alt_text").order_by("pk")),
            "collections": list(Collection.objects.values_list("pk", "title").order_by("pk")),
            "adjustments": InventoryAdjustment.objects.count(),
            "tokens": list(ApiToken.objects.values_list("pk", "revoked_at").order_by("pk")),
        }


def _seller_calls(ids: dict) -> list[tuple[str, str, dict | None]]:
    product, variant, image, collection = ids["product"], ids["variant"], ids["image"], ids["collection"]
    return [
        ("get", "/seller/products", None),
        ("get", f"/seller/products/{product}", None),
        ("patch", f"/seller/products/{product}", {"title": "Taken over"}),
        ("delete", f"/seller/products/{product}", None),
        ("post", f"/seller/products/{product}/variants", {"sku": "B-1", "price": "1.00", "options": ["L", "Blue"]}),
        (
            "put",
            f"/seller/products/{product}/variants",
            {"options": [{"name": "Size", "values": ["S"]}], "variants": [{"id": variant, "options": ["S"]}]},
        ),
        ("get", f"/seller/variants/{variant}", None),
        ("patch", f"/seller/variants/{variant}", {"price": "0.01"}),
        ("delete", f"/seller/variants/{variant}", None),
        ("get", f"/seller/variants/{variant}/adjustments", None),
        ("post", "/seller/inventory/adjustments", {"variant_id": variant, "delta": -5, "reason": "sold"}),
        ("post", "/seller/inventory/adjustments", {"sku": "PRIV-S-Blue", "set_to": 0, "reason": "sold"}),
        ("patch", f"/seller/images/{image}", {"alt_text": "mine now"}),
        ("delete", f"/seller/images/{image}", None),
        ("get", "/seller/collections", None),
        ("get", f"/seller/collections/{collection}", None),
        ("patch", f"/seller/collections/{collection}", {"title": "Taken over"}),
        ("delete", f"/seller/collections/{collection}", None),
        ("get", f"/seller/catalog/imports/{ids['import']}", None),
        ("get", f"/seller/catalog/exports/{ids['export']}", None),
        ("get", f"/seller/catalog/exports/{ids['export']}/csv", None),
        ("get", "/seller/tokens", None),
        ("delete", f"/seller/tokens/{ids['token']}", None),
    ]


def test_store_b_token_is_refused_on_store_a_host(store_a, store_b, api, token_b, alpha_catalog):
    before = _snapshot(store_a)
    for method, path, body in _seller_calls(alpha_catalog):
        response = api(method, store_a, path, token=token_b, json=body)
        assert response.status_code == 401, (method, path, response.content)
    upload = {"file": ContentFile(png(), name="x.png")}
    assert (
        api(
            "post", store_a, f"/seller/products/{alpha_catalog['product']}/images", token=token_b, data=upload
        ).status_code
        == 401
    )
    assert _snapshot(store_a) == before
    # A's own token still works, so nothing above was refused for another reason.
    assert api("get", store_a, "/seller/tokens", token=alpha_catalog["secret"]).status_code == 200


def test_store_a_ids_are_not_found_on_store_b_host(store_a, store_b, api, token_b, alpha_catalog):
    before_a, before_b = _snapshot(store_a), _snapshot(store_b)
    for method, path, body in _seller_calls(alpha_catalog):
        if path in ("/seller/products", "/seller/collections", "/seller/tokens"):
            continue  # lists, checked below
        response = api(method, store_b, path, token=token_b, json=body)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["detail"].endswith("in this store.")
    ids = alpha_catalog
    for path in (
        f"/products/{ids['product']}",
        f"/products/{ids['product']}/variants",
        f"/variants/{ids['variant']}",
        f"/collections/{ids['collection']}",
        f"/collections/{ids['collection']}/products",
    ):
        assert api("get", store_b, path).status_code == 404, path
    # Lists and search on B's host show B's rows only.
    listed = api("get", store_b, "/seller/products", token=token_b).json()["items"]
    assert [p["title"] for p in listed] == ["Beta Paperback Novel"]
    assert api("get", store_b, "/search?q=Private").json()["count"] == 0
    assert api("get", store_b, "/variants?sku=PRIV-S-Blue").json()["count"] == 0
    assert [t["id"] for t in api("get", store_b, "/seller/tokens", token=token_b).json()["items"]] != [ids["token"]]
    assert ids["collection"] not in [
        c["id"] for c in api("get", store_b, "/seller/collections", token=token_b).json()["items"]
    ]
    upload = {"file": ContentFile(png(), name="x.png")}
    assert (
        api("post", store_b, f"/seller/products/{ids['product']}/images", token=token_b, data=upload).status_code == 404
    )
    assert (_snapshot(store_a), _snapshot(store_b)) == (before_a, before_b)


def test_store_a_pictures_are_served_on_its_host_only(store_a, store_b, client, alpha_catalog):
    url = alpha_catalog["image_url"]
    assert url.startswith(f"/media/{store_a.schema_name}/products/")
    assert client.get(url, HTTP_HOST="alpha.localhost").status_code == 200
    assert client.get(url, HTTP_HOST="beta.localhost").status_code == 404
    # Nor under B's own folder name, nor by climbing out of it.
    relative = url.removeprefix(f"/media/{store_a.schema_name}/")
    assert client.get(f"/media/{store_b.schema_name}/{relative}", HTTP_HOST="beta.localhost").status_code == 404
    sneaky = f"/media/{store_b.schema_name}/../{store_a.schema_name}/{relative}"
    assert client.get(sneaky, HTTP_HOST="beta.localhost").status_code == 404
