"""The public catalog API: active products only, money as strings in the store's currency, filters and search."""

from django_tenants.utils import schema_context

from storefront.catalog.services import create_collection, update_product

from ..catalog.factories import make_product, make_shirt


def test_a_product_comes_with_its_variants_options_tags_and_prices_as_strings(store_a, api):
    shirt = make_shirt(store_a, title="Alpha Field Shirt")
    response = api("get", store_a, f"/products/{shirt.pk}")
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("title", "slug", "price", "currency", "tags")} == {
        "title": "Alpha Field Shirt",
        "slug": "alpha-field-shirt",
        "price": "20.00",
        "currency": "USD",
        "tags": ["apparel", "summer"],
    }
    assert body["options"] == [
        {"name": "Size", "position": 1, "values": ["S", "M"]},
        {"name": "Colour", "position": 2, "values": ["Blue", "Red"]},
    ]
    assert body["variants"][3] == {
        "id": body["variants"][3]["id"],
        "product_id": shirt.pk,
        "sku": "SHIRT-M-Red",
        "title": "M / Red",
        "options": ["M", "Red"],
        "price": "22.00",
        "current_price": "22.00",
        "promotion": None,
        "compare_at_price": None,
        "currency": "USD",
        "available": True,
        "weight_grams": 0,
    }
    # Stock counts are the seller's business; buyers see only whether they can order.
    assert "stock" not in body["variants"][0] and "status" not in body


def test_drafts_and_archived_products_are_not_public(store_a, api):
    draft = make_product(store_a, title="Alpha Secret", status="draft")
    archived = make_product(store_a, title="Alpha Old", status="archived")
    for product in (draft, archived):
        response = api("get", store_a, f"/products/{product.pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": f"No product {product.pk} in this store.", "errors": {}}
        assert api("get", store_a, f"/products/{product.pk}/variants").status_code == 404
        with schema_context(store_a.schema_name):
            variant_id = product.variants.get().pk
        assert api("get", store_a, f"/variants/{variant_id}").status_code == 404
    titles = [item["title"] for item in api("get", store_a, "/products").json()["items"]]
    assert "Alpha Secret" not in titles and "Alpha Old" not in titles


def test_listing_filters_sorts_and_pages(store_a, api):
    make_product(store_a, title="Alpha Cheap Sock", price="3.00", tags=["feet"])
    make_product(store_a, title="Alpha Dear Boot", price="150.00", tags=["feet"])
    make_shirt(store_a, title="Alpha Tee")

    def titles(query: str) -> list[str]:
        response = api("get", store_a, f"/products{query}")
        assert response.status_code == 200, response.content
        return [item["title"] for item in response.json()["items"]]

    assert titles("?tag=feet") == ["Alpha Cheap Sock", "Alpha Dear Boot"]
    assert titles("?min_price=10&max_price=100") == ["Alpha Tee", "Alpha Trail Tent"]
    assert titles("?sort=-price&limit=2") == ["Alpha Dear Boot", "Alpha Tee"]
    assert titles("?sort=price&limit=2&offset=1") == ["Alpha Trail Tent", "Alpha Tee"]
    assert titles("?q=boot") == ["Alpha Dear Boot"]
    page = api("get", store_a, "/products?limit=1").json()
    assert (page["count"], len(page["items"])) == (4, 1)


def test_bad_query_parameters_are_422_with_field_messages(store_a, api):
    response = api("get", store_a, "/products?limit=0&min_price=-1&max_price=NaN&sort=random")
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The request is not valid; see errors.",
        "errors": {
            "limit": ["Input should be greater than or equal to 1"],
            "min_price": ["Min price cannot be negative."],
            "max_price": ["Max price must be a finite number, not NaN."],
            "sort": ["Input should be 'title', 'newest', 'price' or '-price'"],
        },
    }
    assert api("get", store_a, "/products?limit=101").status_code == 422
    assert api("get", store_a, "/products?collection=nope").json()["detail"] == "No collection 'nope' in this store."


def test_variants_can_be_listed_and_found_by_sku(store_a, api):
    make_shirt(store_a, title="Alpha Shirt")
    body = api("get", store_a, "/variants?sku=SHIRT-S-Red").json()
    assert body["count"] == 1 and body["items"][0]["title"] == "S / Red"
    variant_id = body["items"][0]["id"]
    assert api("get", store_a, f"/variants/{variant_id}").json()["sku"] == "SHIRT-S-Red"
    assert api("get", store_a, "/variants?sku=NOPE").json() == {"items": [], "count": 0}


def test_collections_and_their_products(store_a, api):
    kettle = make_product(store_a, title="Alpha Kettle", price="40.00", tags=["kitchen"])
    stove = make_product(store_a, title="Alpha Stove", price="90.00", tags=["kitchen"])
    with schema_context(store_a.schema_name):
        manual = create_collection(title="Alpha Picks", products=[stove, kettle], description="<b>Best</b><script>")
        rule = create_collection(title="Kitchen under 50", kind="rule", rule_tag="kitchen", rule_max_price="50")
        update_product(product=stove, status="draft")
    listed = api("get", store_a, "/collections").json()
    assert [c["title"] for c in listed["items"]] == ["Alpha Picks", "Kitchen under 50"]
    assert api("get", store_a, f"/collections/{rule.pk}").json() == {
        "id": rule.pk,
        "title": "Kitchen under 50",
        "slug": "kitchen-under-50",
        "description": "",
        "language": "en",
        "kind": "rule",
        "rule": {"tag": "kitchen", "min_price": None, "max_price": "50.00"},
        "seo_title": "",
        "seo_description": "",
    }
    assert api("get", store_a, f"/collections/{manual.pk}").json()["description"] == "<b>Best</b>"
    in_manual = api("get", store_a, f"/collections/{manual.pk}/products").json()
    assert [p["title"] for p in in_manual["items"]] == ["Alpha Kettle"]  # the stove is a draft now
    in_rule = api("get", store_a, f"/collections/{rule.pk}/products").json()
    assert [p["title"] for p in in_rule["items"]] == ["Alpha Kettle"]
    assert api("get", store_a, "/products?collection=alpha-picks").json()["count"] == 1
    assert api("get", store_a, "/collections/999999").status_code == 404


def test_search_finds_title_description_tag_and_sku_once_each(store_a, api):
    make_product(store_a, title="Alpha Headlamp", description="<p>Bright beam</p>", tags=["night"], sku="LAMP-77")
    make_shirt(store_a, title="Alpha Night Shirt")  # four variants, one product

    def found(q: str) -> list[str]:
        return [item["title"] for item in api("get", store_a, f"/search?q={q}").json()["items"]]

    assert found("headlamp") == ["Alpha Headlamp"]
    assert found("BEAM") == ["Alpha Headlamp"]
    assert found("lamp-7") == ["Alpha Headlamp"]
    assert found("night") == ["Alpha Headlamp", "Alpha Night Shirt"]
    assert found("shirt-m") == ["Alpha Night Shirt"]
    assert api("get", store_a, "/search").json()["errors"] == {"q": ["Field required"]}


def test_openapi_is_served_on_every_store_host_and_not_on_the_platform(store_a, store_b, client):
    for store in (store_a, store_b):
        response = client.get("/api/openapi.json", HTTP_HOST=f"{store.slug}.localhost")
        assert response.status_code == 200
        schema = response.json()
        assert schema["info"]["title"] == "Mercato store API"
        assert {"/api/products", "/api/seller/products", "/api/seller/catalog/imports/{import_id}"} <= set(
            schema["paths"]
        )
    assert client.get("/api/openapi.json", HTTP_HOST="localhost").status_code == 404
