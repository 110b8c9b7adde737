"""A suspended store can be read, can pay its subscription and can export its data; nothing else changes it, from
the dashboard, the seller API, a CSV import or a task queued before the suspension. Other stores are untouched."""

import json

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from storefront.catalog.csv_jobs import run_import
from storefront.catalog.models import CatalogExport, CatalogImport, Product
from storefront.catalog.services import start_catalog_import
from tenants.services import suspend_store
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.api.conftest import issue_token

REFUSAL = (
    "Alpha Outfitters is suspended (Unpaid invoice). While it is suspended you can look at everything, pay your "
    "subscription and export your data; changes wait until the store is reactivated."
)
NEW_PRODUCT = {"title": "Alpha Suspended Stove", "status": "active", "price": "49.90", "sku": "SUSP-1", "stock": "0"}
CSV = b"sku,title,price\nSUSP-CSV-1,Alpha Imported Lamp,12.00\n"


@pytest.fixture
def suspended(store_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        suspend_store(store=store_a, reason="Unpaid invoice.")
    return store_a


def _products(store, title: str) -> int:
    with schema_context(store.schema_name):
        return Product.objects.filter(title=title).count()


def _api(client, store, token: str, method: str, path: str, body: dict | None = None):
    extra = {"HTTP_HOST": host_of(store), "HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is None:
        return getattr(client, method)(f"/api/seller{path}", **extra)
    return getattr(client, method)(f"/api/seller{path}", json.dumps(body), content_type="application/json", **extra)


def test_the_dashboard_shows_everything_and_changes_nothing(client, owner_a, suspended):
    sign_in_on(client, owner_a, suspended)
    host = host_of(suspended)
    assert client.get("/dashboard/products/", HTTP_HOST=host).status_code == 200
    assert client.get("/dashboard/products/new/", HTTP_HOST=host).status_code == 200
    refused = client.post("/dashboard/products/new/", NEW_PRODUCT, HTTP_HOST=host)
    assert refused.status_code == 403
    assert REFUSAL in refused.content.decode().replace("&#x27;", "'")
    assert '<a href="/dashboard/billing/">Pay your subscription</a>' in refused.content.decode()
    assert _products(suspended, "Alpha Suspended Stove") == 0
    settings_change = {"name": "Renamed While Suspended", "theme": "classic", "currency": "USD"}
    assert client.post("/dashboard/settings/", settings_change, HTTP_HOST=host).status_code == 403
    assert (
        client.post("/dashboard/staff/", {"email": "new@alpha.test", "role": "staff"}, HTTP_HOST=host).status_code
        == 403
    )


def test_paying_exporting_and_signing_out_still_work(client, owner_a, suspended):
    sign_in_on(client, owner_a, suspended)
    host = host_of(suspended)
    # The plan form is answered by billing itself (here: no plan chosen), not refused by the suspension.
    choose = client.post("/dashboard/billing/", {}, HTTP_HOST=host)
    assert choose.status_code != 403 and REFUSAL not in choose.content.decode().replace("&#x27;", "'")
    export = client.post("/dashboard/products/export/", HTTP_HOST=host)
    assert export.status_code == 302 and export["Location"].startswith("/dashboard/products/export/")
    with schema_context(suspended.schema_name):
        assert CatalogExport.objects.count() == 1
    assert client.get("/dashboard/orders/export.csv", HTTP_HOST=host).status_code == 200
    assert client.post("/dashboard/logout/", HTTP_HOST=host).status_code == 302
    signed_in = client.post(
        "/dashboard/login/", {"email": "owner@alpha.test", "password": "correct horse battery staple"}, HTTP_HOST=host
    )
    assert signed_in.status_code == 302


def test_the_seller_api_reads_and_exports_and_refuses_writes_with_the_reason(client, suspended):
    token = issue_token(suspended)
    listing = _api(client, suspended, token, "get", "/products")
    assert listing.status_code == 200 and listing.json()["count"] >= 1
    created = _api(client, suspended, token, "post", "/products", {"title": "Alpha Suspended Stove"})
    assert created.status_code == 403
    assert created.json() == {"detail": REFUSAL, "errors": {}}
    assert _products(suspended, "Alpha Suspended Stove") == 0
    assert _api(client, suspended, token, "post", "/catalog/exports").status_code == 202
    # The buyer's side of the API stays offline, as the storefront does.
    assert client.get("/api/products", HTTP_HOST=host_of(suspended)).status_code == 503


def test_a_csv_import_is_refused_from_the_dashboard_and_the_api(client, owner_a, suspended):
    sign_in_on(client, owner_a, suspended)
    upload = {"file": ContentFile(CSV, name="products.csv"), "create_missing": "on"}
    refused = client.post("/dashboard/products/import/", upload, HTTP_HOST=host_of(suspended))
    assert refused.status_code == 403
    token = issue_token(suspended)
    extra = {"HTTP_HOST": host_of(suspended), "HTTP_AUTHORIZATION": f"Bearer {token}"}
    by_api = client.post("/api/seller/catalog/imports", {"file": ContentFile(CSV, name="p.csv")}, **extra)
    assert by_api.status_code == 403 and by_api.json()["detail"] == REFUSAL
    with schema_context(suspended.schema_name):
        assert not CatalogImport.objects.exists()
    assert _products(suspended, "Alpha Imported Lamp") == 0


def test_an_import_queued_before_the_suspension_writes_nothing_after_it(store_a):
    with schema_context(store_a.schema_name):
        queued = start_catalog_import(file=ContentFile(CSV, name="products.csv"))
    suspend_store(store=store_a, reason="Unpaid invoice.")  # the task reads the store's state afresh
    with schema_context(store_a.schema_name):
        job = run_import(import_id=queued.pk)  # the task's body, as the worker runs it
        assert (job.status, job.message) == ("failed", f"{REFUSAL} Nothing was imported.")
        assert job.created_count == 0
    assert _products(store_a, "Alpha Imported Lamp") == 0


def test_another_store_is_not_affected(client, suspended, store_b):
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    created = client.post("/dashboard/products/new/", {**NEW_PRODUCT, "sku": "BETA-1"}, HTTP_HOST=host_of(store_b))
    assert created.status_code == 302
    assert _products(store_b, "Alpha Suspended Stove") == 1
    token = issue_token(store_b)
    book = {"title": "Beta Book", "variants": [{"sku": "BETA-BOOK", "price": "5.00"}]}
    assert _api(client, store_b, token, "post", "/products", book).status_code == 201
    assert client.get("/", HTTP_HOST=host_of(store_b)).status_code == 200
