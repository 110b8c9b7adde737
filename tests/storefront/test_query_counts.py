"""How many SQL statements each buyer page sends: at most three, and the same with 3 products as with 30.

Counted with Django's CaptureQueriesContext on the whole stack (routing, middleware, view, templates), with the page
cache off: what a page costs when it is rendered. A store switch's ``SET search_path`` travels in the same
statement as the first query (tenants.postgresql_backend), so it adds nothing; the tests switch stores before
every page to show it.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from storefront.catalog.models import Product, ProductVariant
from storefront.catalog.services import create_collection
from storefront.themes.models import StoreProfile
from storefront.themes.services import set_featured_products, update_profile
from tests.conftest import STORE_B, host_of
from tests.storefront.catalog.factories import make_product, png

PAGES = {
    "home": "/",
    "product list": "/products/",
    "collection": "/collections/pegs/",
    "product page": "/products/peg-01/",
    "search": "/search/?q=peg",
    "cart": "/cart/",
}
MOST = 3


def _add_pegs(store, first: int, last: int) -> None:
    for index in range(first, last):
        make_product(store, f"Peg {index:02d}", "3.00", tags=["pegs"], image_bytes=png())


@pytest.fixture
def pegs(store_a, django_capture_on_commit_callbacks):
    """Store A with 3 products with pictures, a collection, featured products and a featured collection: the home
    page shows all three of its lists."""
    _add_pegs(store_a, 0, 3)
    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        collection = create_collection(title="Pegs", kind="rule", rule_tag="pegs")
        profile = StoreProfile.objects.get()
        update_profile(profile=profile, featured_collection=collection, show_featured_products=True)
        set_featured_products(profile=profile, products=Product.objects.filter(slug__in=["peg-00", "peg-02"]))
    return store_a


def _buyer_with_a_cart(store) -> Client:
    buyer = Client()
    with schema_context(store.schema_name):
        variant = ProductVariant.objects.get(product__slug="peg-01")
    assert buyer.post("/cart/add/", {"variant": variant.pk}, HTTP_HOST=host_of(store)).status_code == 302
    buyer.get("/cart/", HTTP_HOST=host_of(store))  # reads the "added" message, as the redirect does
    return buyer


def _statements(client: Client, store, other_store, path: str) -> list[str]:
    client.get(path, HTTP_HOST=host_of(store))  # what any earlier visitor leaves in the per-version caches
    # The connection goes to another store's schema (another client: a test client's cookies know no host).
    Client().get("/", HTTP_HOST=host_of(other_store))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_HOST=host_of(store))
    assert response.status_code == 200, path
    return [query["sql"] for query in captured.captured_queries]


def _counts(store, other_store, visitors: dict[str, Client]) -> dict[tuple[str, str], int]:
    return {
        (who, page): len(_statements(client, store, other_store, path))
        for who, client in visitors.items()
        for page, path in PAGES.items()
    }


def test_every_buyer_page_sends_at_most_three_statements_whatever_the_number_of_products(
    pegs, store_b, settings, django_capture_on_commit_callbacks
):
    settings.STOREFRONT_PAGE_CACHE = False
    visitors = {"anonymous": Client(), "with a cart": _buyer_with_a_cart(pegs)}
    with django_capture_on_commit_callbacks(execute=True):
        few = _counts(pegs, store_b, visitors)
        _add_pegs(pegs, 3, 30)
        many = _counts(pegs, store_b, visitors)
    assert many == few
    assert max(few.values()) <= MOST, few
    # Anonymous visitors have no cart to count; the cart page itself reads the cart and its lines.
    assert few[("anonymous", "cart")] == 0
    assert few[("with a cart", "product list")] == few[("anonymous", "product list")] + 1


def test_the_store_switch_travels_with_the_first_query(pegs, store_b, settings):
    settings.STOREFRONT_PAGE_CACHE = False
    statements = _statements(Client(), pegs, store_b, "/products/")
    assert statements[0].startswith(f'SET search_path = "{pegs.schema_name}"') and "SELECT" in statements[0]
    assert not any(statement.startswith("SET") for statement in statements[1:])


def test_a_search_counts_its_results_in_the_same_query_as_the_page(pegs, store_b, settings):
    settings.STOREFRONT_PAGE_CACHE = False
    _add_pegs(pegs, 3, 30)
    client = Client()
    statements = _statements(client, pegs, store_b, "/search/?q=peg&page=2")
    assert not any("COUNT(*) AS" in statement for statement in statements)
    page = client.get("/search/?q=peg&page=2", HTTP_HOST=host_of(pegs)).content.decode()
    assert "Page 2 of 2" in page  # 30 pegs, 24 a page
    # A page past the end shows the last one, as before.
    assert "Page 2 of 2" in client.get("/search/?q=peg&page=9", HTTP_HOST=host_of(pegs)).content.decode()


def test_the_home_page_lists_keep_their_own_order_and_length(pegs, settings):
    settings.STOREFRONT_PAGE_CACHE = False
    page = Client().get("/", HTTP_HOST=host_of(pegs)).content.decode()
    featured = page[page.index('class="grid featured"') :]
    assert featured.index("Peg 00") < featured.index("Peg 02") and "Peg 01" not in featured[: featured.index("</ul>")]
    assert page.count('href="/products/peg-01/"') == 2  # in the featured collection and the product list


def test_the_product_page_rating_comes_from_the_page_query(pegs, store_b, settings):
    """The rating columns are part of the product page's one query (reviews registers them with the catalog)."""
    settings.STOREFRONT_PAGE_CACHE = False
    statements = _statements(Client(), pegs, store_b, "/products/peg-01/")
    assert len(statements) == 1 and "reviews_review" in statements[0]


def test_after_a_store_switch_each_store_shows_only_its_own_products(pegs, store_b, settings):
    """The SET travelling with the query still puts it in the right schema: store B's list, rendered right after
    store A's on the same connection, shows B's products only, and the other way round."""
    settings.STOREFRONT_PAGE_CACHE = False
    client = Client()
    for _ in range(2):
        mine = client.get("/products/", HTTP_HOST=host_of(pegs)).content.decode()
        other = client.get("/products/", HTTP_HOST=host_of(store_b)).content.decode()
        assert "Peg 01" in mine and STORE_B["product"] not in mine
        assert STORE_B["product"] in other and "Peg 01" not in other
