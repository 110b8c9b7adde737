"""The seller's catalog pages: products made and edited through forms, stock, pictures, CSV import and export."""

import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from platform.accounts.models import User
from storefront.catalog.csv_jobs import run_export
from storefront.catalog.images import NOT_AN_IMAGE
from storefront.catalog.models import CatalogImport, InventoryAdjustment, Product, ProductImage, ProductVariant, Tag
from storefront.catalog.services import create_product, start_catalog_import
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.catalog import conftest as catalog_fixtures
from tests.storefront.catalog.factories import decompression_bomb, make_product, make_shirt, png
from tests.support import wait_until

NEW_PRODUCT = {
    "title": "Alpha Camp Stove",
    "description": "<p>Boils a litre in 3 minutes.</p><script>alert(1)</script>",
    "status": "active",
    "seo_title": "Camp stove",
    "seo_description": "A light stove.",
    "tags": "cooking, camp",
    "price": "49.90",
    "sku": "STOVE-1",
    "track_inventory": "on",
    "stock": "6",
}
clean_stores = catalog_fixtures.clean_stores  # committed rows of the two stores, removed after the test


def _counts(store) -> tuple[int, int, int]:
    with schema_context(store.schema_name):
        return Product.objects.count(), ProductVariant.objects.count(), Tag.objects.count()


def test_a_product_created_on_the_page_shows_on_the_storefront_and_a_draft_does_not(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    assert client.get("/dashboard/products/new/", HTTP_HOST=host).status_code == 200

    response = client.post("/dashboard/products/new/", NEW_PRODUCT, HTTP_HOST=host)
    with schema_context(store_a.schema_name):
        product = Product.objects.get(title="Alpha Camp Stove")
        variant = product.variants.get()
        assert (product.slug, product.status, product.price) == ("alpha-camp-stove", "active", Decimal("49.90"))
        assert product.description == "<p>Boils a litre in 3 minutes.</p>"
        assert (product.seo_title, product.seo_description) == ("Camp stove", "A light stove.")
        assert sorted(product.tags.values_list("name", flat=True)) == ["camp", "cooking"]
        assert (variant.sku, variant.price, variant.track_inventory, variant.stock) == (
            "STOVE-1",
            Decimal("49.90"),
            True,
            6,
        )
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/products/{product.pk}/"
    page = client.get("/products/alpha-camp-stove/", HTTP_HOST=host)
    assert page.status_code == 200
    assert "Alpha Camp Stove" in page.content.decode()

    draft = {**NEW_PRODUCT, "title": "Alpha Secret Stove", "status": "draft", "sku": "STOVE-2"}
    assert client.post("/dashboard/products/new/", draft, HTTP_HOST=host).status_code == 302
    assert client.get("/products/alpha-secret-stove/", HTTP_HOST=host).status_code == 404
    listing = client.get("/dashboard/products/", HTTP_HOST=host).content.decode()
    assert "Alpha Camp Stove" in listing and "Alpha Secret Stove" in listing


def test_a_product_edited_on_the_page_changes_on_the_storefront(client, store_a, owner_a):
    product = make_product(store_a, title="Alpha Draft Lantern", price="15.00", status="draft", tags=["old"])
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    form = client.get(f"/dashboard/products/{product.pk}/", HTTP_HOST=host).content.decode()
    assert 'value="Alpha Draft Lantern"' in form and 'value="old"' in form
    assert client.get(f"/products/{product.slug}/", HTTP_HOST=host).status_code == 404

    edit = {"title": "Alpha Bright Lantern", "description": "<p>Warm light.</p>", "status": "active",
            "seo_title": "", "seo_description": "", "tags": "light, camp"}  # fmt: skip
    response = client.post(f"/dashboard/products/{product.pk}/", edit, HTTP_HOST=host)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/products/{product.pk}/"
    with schema_context(store_a.schema_name):
        product.refresh_from_db()
        assert (product.title, product.status, product.description) == (
            "Alpha Bright Lantern",
            "active",
            "<p>Warm light.</p>",
        )
        assert sorted(product.tags.values_list("name", flat=True)) == ["camp", "light"]
    page = client.get(f"/products/{product.slug}/", HTTP_HOST=host).content.decode()
    assert "Alpha Bright Lantern" in page and "Warm light." in page


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-1", "Price cannot be negative."),
        ("NaN", "Price must be a finite number, not NaN."),
        ("1.234", "Price in USD can have at most 2 decimal places."),
        ("\u0661\u0662", "Price must be a number such as 12.50, written with the digits 0-9."),
        ("1e2", "Price must be a number such as 12.50, written out in full (100, not 1e2)."),
        (
            "1_000",
            "Price must be a number such as 12.50, with a point for decimals and nothing between the digits "
            "(1234.50, not 1,234.50).",
        ),
    ],
)
def test_a_bad_price_is_refused_with_the_services_message_and_nothing_is_written(
    client, store_a, owner_a, price, message
):
    sign_in_on(client, owner_a, store_a)
    before = _counts(store_a)
    data = {**NEW_PRODUCT, "title": "Alpha Bad Price", "tags": "brand-new-tag", "price": price}
    response = client.post("/dashboard/products/new/", data, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert f'<p class="error" role="alert">{message}</p>' in response.content.decode()
    assert _counts(store_a) == before
    with schema_context(store_a.schema_name):
        assert not Tag.objects.filter(name="brand-new-tag").exists()


def test_a_bad_edit_is_refused_with_400_and_the_product_is_unchanged(client, store_a, owner_a):
    product = make_product(store_a, title="Alpha Kept Title")
    sign_in_on(client, owner_a, store_a)
    edit = {"title": "Alpha Changed", "status": "active", "seo_title": "x" * 71, "tags": ""}
    response = client.post(f"/dashboard/products/{product.pk}/", edit, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "Ensure this value has at most 70 characters (it has 71)." in response.content.decode()
    with schema_context(store_a.schema_name):
        product.refresh_from_db()
        assert (product.title, product.seo_title) == ("Alpha Kept Title", "")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", b"this is not a picture", NOT_AN_IMAGE),
        ("huge.png", b"\x89PNG" + b"\x00" * (10 * 1024 * 1024 + 1), "The image is 10.0 MB; the limit is 10 MB."),
        ("bomb.png", decompression_bomb(), "a decompression bomb"),
    ],
    ids=["not-an-image", "too-big", "bomb"],
)
def test_a_refused_picture_shows_the_reason_on_the_page(client, store_a, owner_a, name, content, message):
    product = make_product(store_a, title="Alpha Picture Frame")
    sign_in_on(client, owner_a, store_a)
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = client.post(
        f"/dashboard/products/{product.pk}/images/", {"image": upload, "alt_text": ""}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(store_a.schema_name):
        assert not ProductImage.objects.filter(product=product).exists()


def test_a_picture_is_uploaded_and_deleted(client, store_a, owner_a, django_capture_on_commit_callbacks):
    product = make_product(store_a, title="Alpha Picture Hook")
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    upload = SimpleUploadedFile("anything.gif", png(), content_type="image/gif")
    response = client.post(
        f"/dashboard/products/{product.pk}/images/", {"image": upload, "alt_text": "Hook"}, HTTP_HOST=host
    )
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        image = ProductImage.objects.get(product=product)
        assert (image.alt_text, image.width, image.height, image.image.name.endswith(".png")) == ("Hook", 64, 48, True)
        stored = image.image.storage.exists(image.image.name)
    assert stored
    assert 'alt="Hook"' in client.get(f"/dashboard/products/{product.pk}/", HTTP_HOST=host).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion commits
        response = client.post(f"/dashboard/products/{product.pk}/images/{image.pk}/delete/", HTTP_HOST=host)
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        assert not ProductImage.objects.filter(product=product).exists()
        assert not image.image.storage.exists(image.image.name)


def test_adjusting_stock_on_the_page_writes_a_history_row(client, store_a, owner_a):
    product = make_product(store_a, title="Alpha Fuel Can", sku="FUEL-1", track_inventory=True, stock=4)
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
    sign_in_on(client, owner_a, store_a)
    url = f"/dashboard/products/{product.pk}/variants/{variant.pk}/stock/"
    response = client.post(url, {"delta": "3", "reason": "received", "note": "Delivery"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        rows = list(
            InventoryAdjustment.objects.filter(variant=variant).values_list(
                "delta", "stock_after", "reason", "note", "actor"
            )
        )
        assert rows == [(3, 7, "received", "Delivery", "owner@alpha.test"), (4, 4, "initial", "", "")]
        assert ProductVariant.objects.get(pk=variant.pk).stock == 7

    response = client.post(url, {"delta": "-20", "reason": "damaged", "note": ""}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "Only 7 of FUEL-1 in stock; cannot remove 20." in response.content.decode()
    with schema_context(store_a.schema_name):
        assert InventoryAdjustment.objects.filter(variant=variant).count() == 2
        assert ProductVariant.objects.get(pk=variant.pk).stock == 7


def test_stock_past_what_its_column_holds_is_a_message_on_the_page(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    huge = "314264503845334569798204391424"
    created = client.post(
        "/dashboard/products/new/", {**NEW_PRODUCT, "sku": "HUGE-1", "stock": huge}, HTTP_HOST=host_of(store_a)
    )
    assert created.status_code == 400
    assert "Stock must stay between -2,147,483,647 and 2,147,483,647." in created.content.decode()
    product = make_product(store_a, title="Alpha Tent Peg", sku="PEG-1", track_inventory=True, stock=4)
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
    url = f"/dashboard/products/{product.pk}/variants/{variant.pk}/stock/"
    adjusted = client.post(url, {"delta": huge, "reason": "received"}, HTTP_HOST=host_of(store_a))
    assert adjusted.status_code == 400
    assert "Stock must stay between -2,147,483,647 and 2,147,483,647; PEG-1 has 4." in adjusted.content.decode()
    with schema_context(store_a.schema_name):
        assert not Product.objects.filter(variants__sku="HUGE-1").exists()
        assert ProductVariant.objects.get(pk=variant.pk).stock == 4


def test_a_variants_price_is_changed_in_its_row_and_a_bad_one_is_refused(client, store_a, owner_a):
    product = make_product(store_a, title="Alpha Tent Pegs", sku="PEGS-1", price="8.00")
    with schema_context(store_a.schema_name):
        variant = product.variants.get()
    sign_in_on(client, owner_a, store_a)
    url = f"/dashboard/products/{product.pk}/variants/{variant.pk}/"
    data = {"sku": "PEGS-1", "price": "9.50", "compare_at_price": "12.00"}
    assert client.post(url, data, HTTP_HOST=host_of(store_a)).status_code == 302
    response = client.post(url, {**data, "compare_at_price": "5.00"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "compare_at_price: Compare-at price must be higher than the price." in response.content.decode()
    with schema_context(store_a.schema_name):
        variant.refresh_from_db()
        product.refresh_from_db()
        assert (variant.price, variant.compare_at_price, product.price) == (
            Decimal("9.50"),
            Decimal("12.00"),
            Decimal("9.50"),
        )


def _list_queries(client, host: str) -> int:
    client.get("/dashboard/products/", HTTP_HOST=host)  # the same warm caches and connection state each time
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/products/", HTTP_HOST=host).status_code == 200
    return len(queries)


def test_the_list_filters_by_search_and_status_and_its_query_count_does_not_grow(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    make_product(store_a, title="Alpha Listing Cup", status="draft", tags=["kitchen"])
    few = _list_queries(client, host)
    for number in range(6):
        make_product(
            store_a,
            title=f"Alpha Listing Bowl {number}",
            tags=["kitchen", f"set-{number}"],
            stock=2,
            track_inventory=True,
        )
    assert _list_queries(client, host) == few
    listing = client.get("/dashboard/products/", HTTP_HOST=host).content.decode()
    assert ">Alpha Listing Bowl 3</a></td><td>Active</td><td>12.50</td><td>2</td><td>1</td>" in listing

    found = client.get("/dashboard/products/?q=listing+cup", HTTP_HOST=host).content.decode()
    assert "Alpha Listing Cup" in found and "Alpha Listing Bowl" not in found
    drafts = client.get("/dashboard/products/?status=draft", HTTP_HOST=host).content.decode()
    assert "Alpha Listing Cup" in drafts and "Alpha Listing Bowl" not in drafts


def test_the_list_shows_50_products_a_page(client, store_a, owner_a):
    with schema_context(store_a.schema_name):
        for number in range(51):
            create_product(title=f"Alpha Paged {number:02}", price="1.00", status="draft")
    sign_in_on(client, owner_a, store_a)
    first = client.get("/dashboard/products/?q=alpha+paged", HTTP_HOST=host_of(store_a)).content.decode()
    after = re.search(r'href="\?q=alpha%20paged&amp;status=&amp;after=([\w-]+)" rel="next">Next</a>', first).group(1)
    second = client.get(f"/dashboard/products/?q=alpha+paged&after={after}", HTTP_HOST=host_of(store_a))
    second_page = second.content.decode()
    assert (first.count(">Alpha Paged "), second_page.count(">Alpha Paged ")) == (50, 1)
    assert ">Alpha Paged 49</a>" in first and ">Alpha Paged 50</a>" in second_page
    assert 'rel="prev">Previous</a>' in second_page and 'rel="next"' not in second_page
    before = re.search(r'before=([\w-]+)" rel="prev"', second_page).group(1)
    back = client.get(f"/dashboard/products/?q=alpha+paged&before={before}", HTTP_HOST=host_of(store_a))
    assert back.content.decode().count(">Alpha Paged ") == 50 and ">Alpha Paged 00</a>" in back.content.decode()


def test_the_edit_page_lists_every_variant_with_its_price_sku_and_stock(client, store_a, owner_a):
    shirt = make_shirt(store_a, title="Alpha Page Shirt", sku_prefix="APS")
    sign_in_on(client, owner_a, store_a)
    page = client.get(f"/dashboard/products/{shirt.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    # The editor's one form for every variant's SKU and prices, and a stock form per variant.
    assert page.count(f'<form method="post" action="/dashboard/products/{shirt.pk}/variants/') == 5
    assert page.count(f'<form method="post" action="/dashboard/products/{shirt.pk}/variants/"') == 1
    for number, (title, sku, price) in enumerate(
        [("S / Blue", "APS-S-Blue", "20.00"), ("S / Red", "APS-S-Red", "20.00"),
         ("M / Blue", "APS-M-Blue", "22.00"), ("M / Red", "APS-M-Red", "22.00")],
        start=1,
    ):  # fmt: skip
        assert f'name="row-{number}-sku" value="{sku}"' in page and f'name="row-{number}-price" value="{price}"' in page
        assert page.count(f"<td>{title}</td>") == 2  # in the editor's grid and in the stock table
    assert "<td>M / Red</td>" in page and 'value="APS-M-Red"' in page and 'value="22.00"' in page
    assert page.count("<td>5 <small") == 4


def test_the_export_is_started_from_the_page_and_offered_for_download(client, store_a, owner_a):
    make_product(store_a, title="Alpha Export Mat", sku="EXPORT-MAT")
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    response = client.post("/dashboard/products/export/", HTTP_HOST=host)
    assert response.status_code == 302
    export_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert response["Location"] == f"/dashboard/products/export/{export_id}/"
    waiting = client.get(response["Location"], HTTP_HOST=host).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in waiting and "<progress" in waiting
    assert client.get(f"/dashboard/products/export/{export_id}/download/", HTTP_HOST=host).status_code == 404

    # The worker's part, run here inside the test's transaction (the worker itself is exercised by the import test).
    with schema_context(store_a.schema_name):
        run_export(export_id=export_id)
    state = client.get(f"/dashboard/products/export/{export_id}/status/", HTTP_HOST=host).json()
    assert (state["status"], state["finished"], state["processed"] == state["total"]) == ("done", True, True)
    assert state["download"] == f"/dashboard/products/export/{export_id}/download/"
    download = client.get(state["download"], HTTP_HOST=host)
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == f'attachment; filename="products-{export_id}.csv"'
    assert "EXPORT-MAT" in download.content.decode()


def test_a_file_that_cannot_be_imported_is_refused_on_the_page(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    upload = SimpleUploadedFile("products.csv", b"name,cost\nMug,3\n", content_type="text/csv")
    response = client.post(
        "/dashboard/products/import/", {"file": upload, "create_missing": "on"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 400
    assert "Line 1 has unknown column(s): name, cost." in response.content.decode()
    with schema_context(store_a.schema_name):
        assert not CatalogImport.objects.exists()


def _wait_for_import(client, host: str, import_id: int) -> dict:
    seen = []

    def finished() -> dict | None:
        seen.append(client.get(f"/dashboard/products/import/{import_id}/status/", HTTP_HOST=host).json())
        return seen[-1] if seen[-1]["finished"] else None

    return wait_until(finished, what=lambda: f"import {import_id} to finish (last seen: {seen[-1]['status']})")


def test_a_csv_imported_through_the_page_runs_on_the_worker_and_reports_errors_by_line(
    client, clean_stores, celery_worker
):
    store_a, _ = clean_stores
    seller = make_user("catalog-pages@alpha.test")
    try:
        add_member(store_a, seller, "staff")
        sign_in_on(client, seller, store_a)
        host = host_of(store_a)
        csv = (
            "sku,title,price,stock,track_inventory\n"
            "PG-LAMP,Alpha Page Lamp,30.00,3,true\n"
            "PG-BAD,Alpha Page Broken,-1,0,false\n"
            "PG-RUG,Alpha Page Rug,12.00,0,false\n"
        )
        upload = SimpleUploadedFile("pages.csv", csv.encode(), content_type="text/csv")
        response = client.post("/dashboard/products/import/", {"file": upload, "create_missing": "on"}, HTTP_HOST=host)
        assert response.status_code == 302
        import_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        assert response["Location"] == f"/dashboard/products/import/{import_id}/"
        page = client.get(response["Location"], HTTP_HOST=host).content.decode()
        assert "<progress" in page and f'data-status-url="/dashboard/products/import/{import_id}/status/"' in page

        state = _wait_for_import(client, host, import_id)
        assert {key: state[key] for key in ("status", "processed", "total", "created", "updated", "error_count")} == {
            "status": "done", "processed": 3, "total": 3, "created": 2, "updated": 0, "error_count": 1,
        }  # fmt: skip
        assert state["errors"] == [
            {"line": 3, "sku": "PG-BAD", "message": "variants.0.price: Price cannot be negative."}
        ]
        done = client.get(f"/dashboard/products/import/{import_id}/", HTTP_HOST=host).content.decode()
        assert "<td>3</td><td>PG-BAD</td><td>variants.0.price: Price cannot be negative.</td>" in done
        assert "<noscript>" not in done
        with schema_context(store_a.schema_name):
            assert ProductVariant.objects.get(sku="PG-LAMP").stock == 3
            assert not ProductVariant.objects.filter(sku="PG-BAD").exists()
    finally:
        with schema_context(store_a.schema_name):
            client.logout()  # its session row lives in the store's schema
        User.objects.filter(pk=seller.pk).delete()


def test_another_stores_owner_gets_404_for_this_stores_products_and_imports(client, store_a, store_b):
    product = make_product(store_a, title="Alpha Private Product")
    with schema_context(store_a.schema_name):
        variant_id = product.variants.get().pk
        job = start_catalog_import(file=ContentFile(b"sku,price\nPRIV-1,1.00\n", name="p.csv"))
    with schema_context(store_b.schema_name):
        # Ids are per schema; make sure B happens to have none of these, so a 404 means isolation.
        Product.objects.filter(pk=product.pk).delete()
        CatalogImport.objects.filter(pk=job.pk).delete()
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    host = host_of(store_b)
    for path in (
        f"/dashboard/products/{product.pk}/",
        f"/dashboard/products/import/{job.pk}/",
        f"/dashboard/products/import/{job.pk}/status/",
    ):
        assert client.get(path, HTTP_HOST=host).status_code == 404, path
    for path in (
        f"/dashboard/products/{product.pk}/",
        f"/dashboard/products/{product.pk}/delete/",
        f"/dashboard/products/{product.pk}/variants/{variant_id}/stock/",
    ):
        assert (
            client.post(
                path, {"title": "Hacked", "status": "active", "delta": "5", "reason": "other"}, HTTP_HOST=host
            ).status_code
            == 404
        ), path
    with schema_context(store_a.schema_name):
        product.refresh_from_db()
        assert product.title == "Alpha Private Product"
        assert not InventoryAdjustment.objects.filter(variant_id=variant_id).exists()


def test_staff_can_open_the_catalog_pages_and_anonymous_visitors_are_sent_to_sign_in(client, store_a):
    with schema_context(store_a.schema_name):
        product = create_product(title="Alpha Staff Visible", price="3.00")
    host = host_of(store_a)
    for path in ("/dashboard/products/", f"/dashboard/products/{product.pk}/", "/dashboard/products/import/"):
        response = client.get(path, HTTP_HOST=host)
        assert (response.status_code, response["Location"]) == (302, f"/dashboard/login/?next={path}")
    staff = make_user("staff@alpha.test")
    add_member(store_a, staff, "staff")
    sign_in_on(client, staff, store_a)
    for path in (
        "/dashboard/products/",
        "/dashboard/products/new/",
        f"/dashboard/products/{product.pk}/",
        "/dashboard/products/import/",
    ):
        assert client.get(path, HTTP_HOST=host).status_code == 200, path
    home = client.get("/dashboard/", HTTP_HOST=host).content.decode()
    assert home.count('<a href="/dashboard/products/">Products</a>') == 1
