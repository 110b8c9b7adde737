"""Labels read as a person writes them (SEO, URL, SKU, not "Seo", "Url", "Sku"), and counts agree with their
nouns ("1 staff seat", "1 unit back in stock"), on every seller form and in the messages built in code."""

import re

import pytest

from billing.limits import CUSTOM_DOMAINS, PRODUCTS, STAFF_SEATS, _count
from storefront.orders.events import units_back_in_stock
from tests.conftest import host_of, sign_in_on

FORM_PAGES = [
    "/dashboard/settings/", "/dashboard/homepage/", "/dashboard/pages/new/", "/dashboard/navigation/",
    "/dashboard/products/new/", "/dashboard/products/import/", "/dashboard/shipping/", "/dashboard/shipping/new/",
    "/dashboard/discounts/new/", "/dashboard/checkout-settings/", "/dashboard/staff/", "/dashboard/domains/",
    "/dashboard/api-tokens/", "/dashboard/close/",
]  # fmt: skip
# An initialism spelled as a word: what Django makes of a field named seo_title, sku or logo_url.
MISSPELT = re.compile(r"\b(Seo|Url|Sku|Gtin|Api|Csv|Vat|Id)\b|\b(seo|url|sku|gtin|api|csv|vat)\b")


def _labels(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)]


@pytest.mark.parametrize("path", FORM_PAGES)
def test_seller_form_labels_spell_initialisms_in_capitals(client, store_a, owner_a, path):
    sign_in_on(client, owner_a, store_a)
    response = client.get(path, HTTP_HOST=host_of(store_a))
    assert response.status_code == 200, path
    labels = _labels(response.content.decode())
    assert labels, f"{path} has no labelled field"
    wrong = [label for label in labels if MISSPELT.search(label)]
    assert wrong == [], f"{path}: {wrong}"


def test_the_product_editor_labels_too(client, store_a, owner_a):
    from django_tenants.utils import schema_context

    from storefront.catalog.models import Product

    with schema_context(store_a.schema_name):
        product = Product.objects.first()
    sign_in_on(client, owner_a, store_a)
    page = client.get(f"/dashboard/products/{product.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    labels = _labels(page)
    assert "SEO title" in labels
    assert [label for label in labels if MISSPELT.search(label)] == []


@pytest.mark.parametrize(
    ("number", "what", "words"),
    [
        (1, STAFF_SEATS, "1 staff seat"),
        (3, STAFF_SEATS, "3 staff seats"),
        (0, STAFF_SEATS, "0 staff seats"),
        (1, PRODUCTS, "1 active product"),
        (1, CUSTOM_DOMAINS, "1 custom domain"),
        (2, CUSTOM_DOMAINS, "2 custom domains"),
    ],
)
def test_plan_limits_count_in_words(number, what, words):
    assert _count(number, what) == words


def test_restocked_units_agree_with_their_count():
    assert units_back_in_stock(1) == "1 unit back in stock"
    assert units_back_in_stock(4) == "4 units back in stock"


def test_the_plan_page_says_one_staff_seat_in_the_singular(client, store_a, owner_a):
    from billing.models import Plan

    Plan.objects.filter(is_public=True).update(max_staff_seats=1)
    sign_in_on(client, owner_a, store_a)
    page = client.get("/dashboard/billing/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "1 staff seat<" in page
    assert "1 staff seats" not in page
