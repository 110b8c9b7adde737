"""Product cards on a store's lists: first picture (thumbnail first), price in the store's currency, each theme's
markup, one query for all of a page's pictures, and each store's own profile whatever this process has cached."""

import re

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from storefront.catalog.models import ProductImage
from storefront.catalog.services import add_product_image
from storefront.themes.selectors import store_profile
from storefront.themes.services import set_featured_products, update_profile
from tests.conftest import host_of
from tests.storefront.catalog.factories import make_product, png


def _get(client, store, path: str, **params) -> str:
    response = client.get(path, params, HTTP_HOST=host_of(store))
    assert response.status_code == 200
    return response.content.decode()


def _cards(html: str) -> dict[str, str]:
    """Each card's inner HTML by product title."""
    cards = re.findall(r'<li class="(?:card|row) product">(.*?)</li>', html, re.S)
    return {re.search(r'<a href="/products/[\w-]+/">([^<]+)</a>', card).group(1): card for card in cards}


def _set_profile(store, **fields) -> None:
    with schema_context(store.schema_name):
        update_profile(profile=store_profile(), **fields)


def test_a_card_shows_the_first_pictures_thumbnail_else_the_picture_else_nothing(client, store_a):
    ash = make_product(store_a, "Ash Cup", "3.00", image_bytes=png())
    oak = make_product(store_a, "Oak Cup", "1234.50", image_bytes=png())
    make_product(store_a, "Elm Cup", "5.00")
    with schema_context(store_a.schema_name):
        ash_picture = ProductImage.objects.get(product=ash).image.name
        first = ProductImage.objects.get(product=oak)
        ProductImage.objects.filter(pk=first.pk).update(thumbnail="products/thumbnails/oak-first.png")
        # A later picture never becomes the card's, even with a thumbnail of its own.
        later = add_product_image(product=oak, file=ContentFile(png(), name="later.png"))
        ProductImage.objects.filter(pk=later.pk).update(thumbnail="products/thumbnails/oak-later.png")
    media = f"/media/{store_a.schema_name}/"

    cards = _cards(_get(client, store_a, "/products/"))

    assert cards["Ash Cup"] == (
        f'\n  <img src="{media}{ash_picture}" alt="Ash Cup" loading="lazy">\n'
        '  <div class="body"><h3><a href="/products/ash-cup/">Ash Cup</a></h3><p class="price">$3.00</p></div>\n'
    )
    assert f'<img src="{media}products/thumbnails/oak-first.png" alt="Oak Cup" loading="lazy">' in cards["Oak Cup"]
    assert '<p class="price">$1,234.50</p>' in cards["Oak Cup"]
    assert "<img" not in cards["Elm Cup"] and '<a href="/products/elm-cup/">Elm Cup</a>' in cards["Elm Cup"]


def test_titles_are_escaped_and_prices_follow_the_store_currency(client, store_a):
    make_product(store_a, "Cup <b>&</b> Saucer", "1234.00")
    _set_profile(store_a, currency="JPY")
    page = _get(client, store_a, "/products/")
    assert "Cup &lt;b&gt;&amp;&lt;/b&gt; Saucer" in page and "<b>&</b>" not in page
    assert '<p class="price">¥1,234</p>' in page


def test_the_midnight_theme_lists_rows_on_the_listing_and_the_home_page(client, store_a):
    make_product(store_a, "Oak Cup", "4.00", image_bytes=png())
    with schema_context(store_a.schema_name):
        picture = ProductImage.objects.get().image.name
    _get(client, store_a, "/products/")  # the classic theme's cards are now in this process's caches
    _set_profile(store_a, theme="midnight")

    for path in ("/products/", "/"):
        page = _get(client, store_a, path)
        assert '<li class="card product">' not in page
        assert _cards(page)["Oak Cup"] == (
            f'\n  <img src="/media/{store_a.schema_name}/{picture}" alt="Oak Cup" loading="lazy">\n'
            '  <h3><a href="/products/oak-cup/">Oak Cup</a></h3><span class="price">$4.00</span>\n'
        )


def test_the_home_pages_featured_products_are_cards_too(client, store_a):
    oak = make_product(store_a, "Oak Cup", "4.00")
    with schema_context(store_a.schema_name):
        set_featured_products(profile=store_profile(), products=[oak])
    page = _get(client, store_a, "/")
    featured = page.split('<ul class="grid featured">')[1].split("</ul>")[0]
    assert list(_cards(featured)) == ["Oak Cup"]
    assert '<p class="price">$4.00</p>' in featured


def test_a_page_of_cards_fetches_all_its_pictures_in_one_query(client, store_a, settings):
    settings.STOREFRONT_PAGE_CACHE = False
    for index in range(5):
        make_product(store_a, f"Cup {index}", "2.00", image_bytes=png())
    _get(client, store_a, "/products/")
    with CaptureQueriesContext(connection) as queries:
        _get(client, store_a, "/products/")
    picture_queries = [q["sql"] for q in queries.captured_queries if "catalog_productimage" in q["sql"]]
    assert len(picture_queries) == 1


def test_each_store_shows_its_own_pictures_and_currency_whatever_was_served_before(client, store_a, store_b):
    make_product(store_a, "Alpha Cup", "3.00", image_bytes=png())
    make_product(store_b, "Beta Cup", "3.00")
    _set_profile(store_a, currency="EUR")

    for _ in range(2):  # alternate, so each store's page follows the other's in this process
        alpha = _cards(_get(client, store_a, "/products/"))
        beta = _cards(_get(client, store_b, "/products/"))
        assert (
            '<p class="price">€3.00</p>' in alpha["Alpha Cup"]
            and f"/media/{store_a.schema_name}/" in alpha["Alpha Cup"]
        )
        assert set(beta).isdisjoint(alpha) and "Beta Cup" in beta
        assert '<p class="price">$3.00</p>' in beta["Beta Cup"] and "<img" not in beta["Beta Cup"]
        assert "€" not in "".join(beta.values())


def test_a_listings_count_follows_the_catalog_at_once(client, store_a, settings):
    settings.STOREFRONT_PAGE_CACHE = False  # the count itself is kept per content version; check that alone

    def shown(**params) -> str:
        return re.search(r'<p class="muted">(\d+ products?)</p>', _get(client, store_a, "/products/", **params)).group(
            1
        )

    make_product(store_a, "Oak Cup", "4.00", tags=["oak"])
    before, before_oak = shown(), shown(tag="oak")
    assert before_oak == "1 product"
    make_product(store_a, "Oak Bowl", "6.00", tags=["oak"])
    assert shown(tag="oak") == "2 products"
    assert int(shown().split()[0]) == int(before.split()[0]) + 1
