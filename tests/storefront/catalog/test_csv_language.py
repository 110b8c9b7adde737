"""A catalog import run by the real worker writes its row errors in the store's default language: Chinese for a
Chinese store (whose dashboard shows them), English for an English one, from the same file at the same time."""

import csv
import io
from collections.abc import Iterator

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django_tenants.utils import schema_context

from platform.accounts.models import User
from storefront.catalog.csv_format import COLUMNS
from storefront.catalog.models import CatalogImport
from storefront.catalog.services import start_catalog_import
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.languages.support import DASHBOARD_WORDS, english_left, visible_texts
from tests.storefront.languages.test_store_language import seller_content
from tests.support import wait_until

# The columns (and a new product's fields, "variants.0.price") are named as the file and the API name them, and
# a yes/no cell is written true or false, whatever the page's language: the seller types them in the CSV.
COLUMN_WORDS = (
    DASHBOARD_WORDS | {part for column in COLUMNS for part in column.split("_")} | {"variants", "true", "false"}
)
ROWS = [
    {"sku": "ZH-OK", "title": "茶盘", "price": "88.00"},
    {"sku": "ZH-PRICE", "title": "茶壶", "price": "1,234.50"},
    {"sku": "ZH-STOCK", "title": "茶杯", "price": "10.00", "stock": "很多"},
    {"sku": "ZH-NO-TITLE", "price": "10.00"},
    {"sku": "ZH-BOOL", "title": "茶巾", "price": "10.00", "track_inventory": "也许"},
]


def _file() -> ContentFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["sku", "title", "price", "stock", "track_inventory"])
    writer.writeheader()
    writer.writerows(ROWS)
    return ContentFile(buffer.getvalue().encode(), name="茶具.csv")


@pytest.fixture
def chinese_store_a(clean_stores) -> Iterator[list]:
    """Store A in Chinese for this test, committed so the worker reads it; back in English afterwards."""
    store_a = clean_stores[0]
    with schema_context(store_a.schema_name):
        update_profile(profile=store_profile(), language="zh-hans", extra_languages=[])
    try:
        yield clean_stores
    finally:
        with schema_context(store_a.schema_name):
            update_profile(profile=store_profile(), language="en", extra_languages=[])


def _run_on_worker(store) -> CatalogImport:
    with schema_context(store.schema_name):
        started = start_catalog_import(file=_file(), actor="tests")

    def finished():
        with schema_context(store.schema_name):
            job = CatalogImport.objects.get(pk=started.pk)
        return job if job.status in ("done", "failed") else None

    return wait_until(finished, what=f"import {started.pk} in {store.schema_name} to finish")


def test_a_bad_rows_errors_are_written_by_the_worker_in_the_stores_language(chinese_store_a, celery_worker):
    store_a, store_b = chinese_store_a
    chinese, english = _run_on_worker(store_a), _run_on_worker(store_b)
    assert (chinese.status, chinese.created_count, chinese.error_count) == ("done", 1, 4)
    messages = {error["sku"]: error["message"] for error in chinese.errors}
    assert "价格必须是数字，例如 12.50，" in messages["ZH-PRICE"]
    assert messages["ZH-NO-TITLE"] == "title: SKU ZH-NO-TITLE 是新的，所以这一行需要商品标题。"
    left = english_left(list(messages.values()), seller_content=list(messages), allowed=COLUMN_WORDS)
    assert left == [], left
    # The same file in the English store next to it, imported at the same time: English errors.
    english_messages = {error["sku"]: error["message"] for error in english.errors}
    assert "Price must be a number such as 12.50, with a point for decimals" in english_messages["ZH-PRICE"]

    # The import's page shows them in Chinese.
    seller = make_user("csv-language@alpha.test")
    client = Client()
    try:
        add_member(store_a, seller, "staff")
        sign_in_on(client, seller, store_a)
        page = client.get(f"/dashboard/products/import/{chinese.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
        assert "新建 1 个，更新 0 个，4 个有错误。" in page
        own = [*messages, *messages.values(), "茶具.csv", seller.email, host_of(store_a), *seller_content(store_a)]
        assert english_left(visible_texts(page), seller_content=own, allowed=COLUMN_WORDS) == []
    finally:
        with schema_context(store_a.schema_name):
            client.logout()  # its session row lives in the store's schema
        User.objects.filter(pk=seller.pk).delete()
