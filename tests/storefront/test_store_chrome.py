"""What every store page carries: the header's cart link with the buyer's own count (never shared through the
page cache, never seen on another store), the Contact link to the real form, and default pages written for buyers."""

import importlib
import re

from django.apps import apps
from django.test import Client
from django_tenants.utils import schema_context

from storefront.themes.models import NavigationLink, Page
from tests.conftest import host_of, sign_in_on
from tests.storefront.checkout.support import add, in_store, make_variant

CART_LINK = '<a class="store-cart" id="cart-link" href="/cart/">Cart'
COUNT = re.compile(r'<span class="cart-count" id="cart-count">(\d+)</span>')


def _count(response) -> int | None:
    found = COUNT.search(response.content.decode())
    return int(found.group(1)) if found else None


def test_the_header_links_to_the_cart_with_the_buyers_own_item_count(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        lamp = make_variant("Lamp", "30.50")
    empty = client.get("/", HTTP_HOST=host_of(store_a))
    assert CART_LINK + "</a>" in empty.content.decode() and _count(empty) is None
    add(client, store_a, mug, 2)
    add(client, store_a, lamp, 1)
    for path in ("/", "/products/", "/products/camp-mug/", "/cart/", "/checkout/", "/contact/", "/pages/about/"):
        assert _count(client.get(path, HTTP_HOST=host_of(store_a))) == 3, path
    with in_store(store_a):
        from storefront.cart.models import CartLine

        lines = list(CartLine.objects.values_list("pk", flat=True))
    for line in lines:
        client.post(f"/cart/lines/{line}/remove/", HTTP_HOST=host_of(store_a))
    assert _count(client.get("/", HTTP_HOST=host_of(store_a))) is None


def test_a_cart_count_never_reaches_another_buyer_through_the_page_cache(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
    other_buyer = Client()
    assert other_buyer.get("/products/", HTTP_HOST=host_of(store_a))["X-Page-Cache"] == "miss"
    add(client, store_a, mug, 4)
    for path in ("/", "/products/", "/products/camp-mug/"):
        mine = client.get(path, HTTP_HOST=host_of(store_a))
        assert "X-Page-Cache" not in mine and _count(mine) == 4, path
    # The pages rendered with the count were not stored: the other buyer's first visit of them renders afresh...
    first = other_buyer.get("/products/camp-mug/", HTTP_HOST=host_of(store_a))
    assert first["X-Page-Cache"] == "miss" and _count(first) is None
    # ...and what the cache serves, before and after, carries no count.
    for path in ("/products/", "/products/camp-mug/"):
        cached = other_buyer.get(path, HTTP_HOST=host_of(store_a))
        assert cached["X-Page-Cache"] == "hit" and _count(cached) is None, path


def test_store_b_never_shows_store_a_s_cart_count(client, store_a, store_b):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
    add(client, store_a, mug, 5)
    assert _count(client.get("/", HTTP_HOST=host_of(store_a))) == 5
    # The test client sends store A's session cookie to store B too; B's own sessions know nothing of it.
    for path in ("/", "/products/", "/cart/", "/checkout/"):
        on_b = client.get(path, HTTP_HOST=host_of(store_b))
        assert on_b.status_code == 200 and _count(on_b) is None, path
    assert "Camp Mug" not in client.get("/cart/", HTTP_HOST=host_of(store_b)).content.decode()
    with in_store(store_b):
        from storefront.cart.models import Cart

        assert not Cart.objects.exists()


def test_the_header_s_contact_link_opens_the_form_with_the_contact_page_s_text(client, store_a):
    home = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    menu = re.search(r'<nav class="store-nav" aria-label="Store menu">(.*?)</nav>', home).group(1)
    assert '<a href="/contact/">Contact</a>' in menu
    form = client.get("/contact/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<form method="post" action="/contact/"' in form
    assert "Write to us with this form and we will answer you by email." in form
    with in_store(store_a):
        Page.objects.filter(slug="contact").update(body="<p>Open Monday to Friday, 9 to 5.</p>")
    assert "Open Monday to Friday, 9 to 5." in client.get("/contact/", HTTP_HOST=host_of(store_a)).content.decode()
    # The bare page has no form: whatever still links to it lands on the form.
    moved = client.get("/pages/contact/", HTTP_HOST=host_of(store_a))
    assert (moved.status_code, moved["Location"]) == (302, "/contact/")
    sitemap = client.get("/sitemap.xml", HTTP_HOST=host_of(store_a)).content.decode()
    assert f"<loc>http://{host_of(store_a)}/contact/</loc>" in sitemap and "/pages/contact/" not in sitemap


def test_a_new_store_s_pages_speak_to_buyers_and_the_dashboard_tells_the_seller_what_to_write(client, store_a, owner_a):
    about = client.get("/pages/about/", HTTP_HOST=host_of(store_a)).content.decode()
    shipping = client.get("/pages/shipping-returns/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "We are an independent store selling on Mercato." in about
    assert "The shipping methods for your address and their prices are shown at checkout" in shipping
    for page in (about, shipping):
        assert "Tell your customers" not in page and "Explain where you ship" not in page
    sign_in_on(client, owner_a, store_a)
    pages = client.get("/dashboard/pages/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "on About, who you are and what you make" in pages


def test_the_migration_rewrites_only_untouched_default_pages_and_points_contact_at_the_form(store_a):
    migration = importlib.import_module("storefront.themes.migrations.0004_buyer_facing_default_pages")
    with schema_context(store_a.schema_name):
        Page.objects.filter(slug="about").update(body="<p>Tell your customers who you are and what you make.</p>")
        Page.objects.filter(slug="shipping-returns").update(body="<p>We ship on Tuesdays.</p>")
        contact = Page.objects.get(slug="contact")
        Page.objects.filter(pk=contact.pk).update(body="<p>How customers can reach you.</p>")
        NavigationLink.objects.filter(label="Contact").update(page=contact, url="")
        migration.forwards(apps, None)
        bodies = dict(Page.objects.values_list("slug", "body"))
        assert bodies["about"].startswith("<p>We are an independent store selling on Mercato.")
        assert bodies["shipping-returns"] == "<p>We ship on Tuesdays.</p>"  # the seller's own words stay
        assert bodies["contact"] == "<p>Write to us with this form and we will answer you by email.</p>"
        link = NavigationLink.objects.get(label="Contact")
        assert (link.page_id, link.href) == (None, "/contact/")
