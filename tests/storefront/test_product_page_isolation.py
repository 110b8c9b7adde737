"""The product page's one-query read is prepared once per process; each store still reads only its own schema."""

from django.test import Client

from tests.conftest import host_of
from tests.storefront.catalog.factories import make_product


def test_the_same_slug_in_two_stores_shows_each_stores_own_product(store_a, store_b):
    make_product(store_a, title="Harbour Lantern", price="40.00", slug="lantern", description="Alpha's lantern")
    make_product(store_b, title="Meadow Lantern", price="15.00", slug="lantern", description="Beta's lantern")
    browser = Client()
    for _ in range(2):  # alternate, so the prepared read is reused across stores in one process
        page_a = browser.get("/products/lantern/", HTTP_HOST=host_of(store_a)).content.decode()
        page_b = browser.get("/products/lantern/", HTTP_HOST=host_of(store_b)).content.decode()
        assert "Harbour Lantern" in page_a and "$40.00" in page_a and "Meadow Lantern" not in page_a
        assert "Meadow Lantern" in page_b and "$15.00" in page_b and "Harbour Lantern" not in page_b


def test_a_draft_of_store_a_is_not_found_on_either_host(store_a, store_b):
    make_product(store_a, title="Secret Prototype", slug="prototype", status="draft")
    assert Client().get("/products/prototype/", HTTP_HOST=host_of(store_a)).status_code == 404
    assert Client().get("/products/prototype/", HTTP_HOST=host_of(store_b)).status_code == 404


def test_the_product_page_reads_the_product_in_one_query(store_a, django_assert_max_num_queries):
    from storefront.catalog.selectors import product_page_rows
    from tests.storefront.checkout.support import in_store

    make_product(store_a, title="Counted Kettle", slug="kettle")
    with in_store(store_a):
        product_page_rows("no-such-product")  # sets the schema's search path, which any first query of a request does
        with django_assert_max_num_queries(1):
            rows = product_page_rows("kettle")
    assert rows is not None and rows["title"] == "Counted Kettle"
