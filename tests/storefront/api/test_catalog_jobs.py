"""CSV import and export through the seller API, run by the real worker; a page polls the progress endpoint."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from storefront.catalog.models import CatalogExport, Product, ProductVariant
from tests.support import wait_until

from ..catalog.factories import make_product
from .conftest import issue_token


def _poll(api, store, path: str, token: str) -> dict:
    seen = []

    def finished() -> dict | None:
        seen.append(api("get", store, path, token=token).json())
        return seen[-1] if seen[-1]["status"] in ("done", "failed") else None

    return wait_until(finished, what=lambda: f"{path} to finish (last seen: {seen[-1]['status']})")


def _upload(csv_text: str) -> dict:
    return {"file": SimpleUploadedFile("catalog.csv", csv_text.encode(), content_type="text/csv")}


def test_import_and_export_through_the_api_on_the_worker(clean_stores, celery_worker, api):
    store_a, store_b = clean_stores
    token = issue_token(store_a)
    make_product(store_a, title="Alpha Job Mug", sku="JOB-MUG", track_inventory=True, stock=2)
    source = (
        "handle,title,sku,price,stock,option1_name,option1_value\n"
        "alpha-job-mug,,JOB-MUG,9.50,6,,\n"
        "alpha-job-cap,Alpha Job Cap,JOB-CAP-S,15.00,1,Size,S\n"
        "alpha-job-cap,,JOB-CAP-L,15.00,1,Size,L\n"
        "alpha-job-cap,,JOB-CAP-X,abc,1,Size,XL\n"
    )
    response = api("post", store_a, "/seller/catalog/imports", token=token, data=_upload(source))
    assert response.status_code == 202, response.content
    started = response.json()
    assert (started["status"], started["filename"]) == ("pending", "catalog.csv")

    result = _poll(api, store_a, f"/seller/catalog/imports/{started['id']}", token)
    assert {
        key: result[key] for key in ("status", "total_rows", "processed_rows", "created_count", "updated_count")
    } == {
        "status": "done",
        "total_rows": 4,
        "processed_rows": 4,
        "created_count": 2,
        "updated_count": 1,
    }
    assert result["errors"] == [
        {"line": 5, "sku": "JOB-CAP-X", "message": "price: Price must be a number such as 12.50."}
    ]
    # The progress of A's import is A's: B's token and B's host know nothing of it.
    assert (
        api("get", store_a, f"/seller/catalog/imports/{started['id']}", token=issue_token(store_b)).status_code == 401
    )

    response = api("post", store_a, "/seller/catalog/exports", token=token)
    assert response.status_code == 202 and response.json()["download_path"] is None
    export = _poll(api, store_a, f"/seller/catalog/exports/{response.json()['id']}", token)
    assert export["download_path"] == f"/api/seller/catalog/exports/{export['id']}/csv"
    download = api("get", store_a, export["download_path"].removeprefix("/api"), token=token)
    assert download.status_code == 200 and download["Content-Type"] == "text/csv; charset=utf-8"
    rows = {row["sku"]: row for row in csv.DictReader(io.StringIO(download.content.decode()))}
    assert {"JOB-MUG", "JOB-CAP-S", "JOB-CAP-L"} <= set(rows)
    assert (rows["JOB-MUG"]["price"], rows["JOB-MUG"]["stock"]) == ("9.50", "6")
    assert (rows["JOB-CAP-L"]["handle"], rows["JOB-CAP-L"]["option1_value"]) == ("alpha-job-cap", "L")
    with schema_context(store_a.schema_name):
        assert Product.objects.filter(slug="alpha-job-cap").count() == 1
        assert ProductVariant.objects.filter(product__slug="alpha-job-cap").count() == 2


def test_a_csv_with_wrong_columns_is_refused_at_once(store_a, api, token_a):
    response = api("post", store_a, "/seller/catalog/imports", token=token_a, data=_upload("name,cost\nMug,3\n"))
    assert response.status_code == 422
    assert response.json()["errors"]["file"][0].startswith("Line 1 has unknown column(s): name, cost.")
    response = api("post", store_a, "/seller/catalog/imports", token=token_a, data={"create_missing": "true"})
    assert response.json()["errors"] == {"file": ["Field required"]}


def test_an_unfinished_export_cannot_be_downloaded_yet(store_a, api, token_a):
    with schema_context(store_a.schema_name):
        pending = CatalogExport.objects.create()
    response = api("get", store_a, f"/seller/catalog/exports/{pending.pk}/csv", token=token_a)
    assert response.status_code == 409
    assert response.json()["detail"] == "The export is pending; poll it until it is done."
