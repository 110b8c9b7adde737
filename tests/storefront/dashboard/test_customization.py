"""Sellers customise their store from the dashboard and the storefront shows each change at once."""

import io
import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from storefront.themes.models import NavigationLink, Page, StoreProfile
from tests.conftest import STORE_B, host_of, sign_in_on

SETTINGS = {
    "name": "Alpha Outdoor Co.",
    "tagline": "Gear for long walks",
    "theme": "midnight",
    "primary_colour": "#f5f1e8",
    "accent_colour": "#ff7a00",
    "currency": "EUR",
    "contact_email": "hello@alpha.test",
    "seo_title": "Alpha Outdoor — tents and packs",
    "seo_description": "Tents, packs and stoves.",
    "instagram_url": "https://instagram.com/alpha",
    "facebook_url": "",
    "x_url": "",
    "tiktok_url": "",
}


def _png(size=(1200, 800), colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_settings_change_shows_on_the_storefront_at_once(
    client, store_a, store_b, owner_a, django_capture_on_commit_callbacks
):
    sign_in_on(client, owner_a, store_a)
    before = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'data-theme="classic"' in before
    stylesheet_before = _stylesheet_link(before)

    with django_capture_on_commit_callbacks(execute=True):  # as when the request's own transaction commits
        response = client.post("/dashboard/settings/", SETTINGS, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302

    page = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'data-theme="midnight"' in page and "css/themes/midnight" in page
    assert "Alpha Outdoor Co." in page and "Gear for long walks" in page
    # The colours are in the store's own stylesheet, whose address changes with them (so no browser keeps the old).
    assert _stylesheet_link(page) != stylesheet_before
    assert "--accent: #ff7a00" in client.get(_stylesheet_link(page), HTTP_HOST=host_of(store_a)).content.decode()
    assert "<title>Alpha Outdoor — tents and packs</title>" in page
    assert "€10.00" in page
    assert 'href="https://instagram.com/alpha"' in page and "hello@alpha.test" in page
    # Store B is untouched.
    other = client.get("/", HTTP_HOST=host_of(store_b)).content.decode()
    assert 'data-theme="classic"' in other and STORE_B["name"] in other and "Gear for long walks" not in other
    assert "#ff7a00" not in client.get(_stylesheet_link(other), HTTP_HOST=host_of(store_b)).content.decode()


def _stylesheet_link(page: str) -> str:
    return re.search(r'<link rel="stylesheet" href="(/store\.css\?v=\w+)">', page).group(1)


def test_the_two_themes_render_different_layouts(client, store_a, owner_a, django_capture_on_commit_callbacks):
    from storefront.themes.services import update_profile

    classic = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        update_profile(profile=StoreProfile.objects.get(), theme="midnight")
    midnight = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<ul class="grid" id="product-list">' in classic and "hero-full" not in classic
    assert '<ol class="list" id="product-list">' in midnight and "hero-full" in midnight


def test_a_logo_upload_is_resized_and_shown(client, store_a, owner_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign_in_on(client, owner_a, store_a)
    logo = SimpleUploadedFile("logo.png", _png((2400, 1200)), content_type="image/png")
    response = client.post("/dashboard/settings/", {**SETTINGS, "logo_upload": logo}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        profile = StoreProfile.objects.get()
        with profile.logo.open("rb") as file:
            assert Image.open(file).size == (600, 300)
        url = profile.logo.url
    assert url.startswith(f"/media/{store_a.schema_name}/brand/")
    assert f'src="{url}"' in client.get("/", HTTP_HOST=host_of(store_a)).content.decode()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    fake = SimpleUploadedFile("logo.png", b"<?php echo 'hi'; ?>", content_type="image/png")
    response = client.post("/dashboard/settings/", {**SETTINGS, "logo_upload": fake}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "That file isn&#x27;t an image we can read" in response.content.decode()
    with schema_context(store_a.schema_name):
        assert StoreProfile.objects.get().tagline == ""
    store_a.refresh_from_db()
    assert store_a.name == "Alpha Outfitters"


def test_a_decompression_bomb_is_refused(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")  # 100 megapixels in a few kilobytes
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    response = client.post("/dashboard/settings/", {**SETTINGS, "logo_upload": bomb}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "too many pixels" in response.content.decode()


def test_bad_colours_and_unknown_themes_are_refused(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    bad = {**SETTINGS, "primary_colour": "#12345g", "accent_colour": "red;}x{y", "theme": "hacker"}
    response = client.post("/dashboard/settings/", bad, HTTP_HOST=host_of(store_a))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter a colour like #1d2330." in body
    assert "Ensure this value has at most 7 characters (it has 8)." in body
    assert "Select a valid choice. hacker is not one of the available choices." in body


def test_custom_pages_are_sanitised_and_published(client, store_a, store_b, owner_a):
    sign_in_on(client, owner_a, store_a)
    body = '<h2>Our story</h2><p onclick="steal()">Since 2020.</p><script>alert(1)</script><a href="javascript:x">x</a>'
    response = client.post(
        "/dashboard/pages/new/", {"title": "Our Story", "body": body, "is_published": "on"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 302
    page = client.get("/pages/our-story/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "<h2>Our story</h2><p>Since 2020.</p>" in page
    assert "<script" not in page and "onclick" not in page and "javascript:" not in page
    assert client.get("/pages/our-story/", HTTP_HOST=host_of(store_b)).status_code == 404


def test_an_unpublished_page_is_not_shown_nor_linked(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    client.post("/dashboard/pages/about/", {"title": "About", "body": "<p>x</p>"}, HTTP_HOST=host_of(store_a))
    assert client.get("/pages/about/", HTTP_HOST=host_of(store_a)).status_code == 404
    assert 'href="/pages/about/"' not in client.get("/", HTTP_HOST=host_of(store_a)).content.decode()


def test_the_navigation_menu_is_edited_in_order(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        contact = Page.objects.get(slug="contact")
    data = {
        "label_0": "Contact us",
        "page_0": str(contact.pk),
        "label_1": "Journal",
        "url_1": "https://blog.alpha.test/",
    }
    assert client.post("/dashboard/navigation/", data, HTTP_HOST=host_of(store_a)).status_code == 302
    with schema_context(store_a.schema_name):
        assert [(link.label, link.href) for link in NavigationLink.objects.all()] == [
            ("Contact us", "/pages/contact/"),
            ("Journal", "https://blog.alpha.test/"),
        ]
    page = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert page.index('href="/pages/contact/">Contact us') < page.index('href="https://blog.alpha.test/">Journal')


def test_a_menu_link_to_a_script_url_is_refused(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    data = {"label_0": "Click", "url_0": "javascript:alert(1)"}
    response = client.post("/dashboard/navigation/", data, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "must start with / or https://" in response.content.decode()
    with schema_context(store_a.schema_name):
        assert NavigationLink.objects.count() == 4


def test_homepage_hero_and_featured_products(client, store_a, owner_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        from storefront.catalog.models import Product

        tent = Product.objects.get()
    hero = SimpleUploadedFile("hero.jpg", _png((3000, 1500), "blue"), content_type="image/png")
    data = {"hero_title": "Into the hills", "hero_text": "New tents are in.", "show_featured_products": "on",
            "featured_products": [tent.pk], "hero_upload": hero}  # fmt: skip
    assert client.post("/dashboard/homepage/", data, HTTP_HOST=host_of(store_a)).status_code == 302
    page = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "<h1>Into the hills</h1>" in page and "New tents are in." in page
    assert '<ul class="grid featured">' in page and "hero-image" in page


def test_switching_theme_with_default_colours_takes_the_new_theme_defaults(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    data = {**SETTINGS, "primary_colour": "#1d2330", "accent_colour": "#3355ff"}  # classic's defaults
    client.post("/dashboard/settings/", data, HTTP_HOST=host_of(store_a))
    with schema_context(store_a.schema_name):
        profile = StoreProfile.objects.get()
    assert (profile.theme, profile.primary_colour, profile.accent_colour) == ("midnight", "#f5f1e8", "#ffb547")


def test_a_featured_collection_shows_its_products_on_the_homepage(client, store_a, owner_a):
    from storefront.catalog.services import create_collection, create_product

    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        stove = create_product(title="Alpha Camp Stove", price=Decimal("45.00"))
        collection = create_collection(title="Cooking", products=[stove])
    data = {"hero_title": "Hi", "hero_text": "", "featured_collection": collection.pk}
    assert client.post("/dashboard/homepage/", data, HTTP_HOST=host_of(store_a)).status_code == 302
    page = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<h2 class="section-title">Cooking</h2>' in page
    featured = page.split('class="grid featured-collection">')[1].split("</ul>")[0]
    assert "Alpha Camp Stove" in featured and "Alpha Trail Tent" not in featured


def test_the_store_currency_is_the_one_in_settings(client, store_a, owner_a):
    from storefront.themes.selectors import store_currency

    sign_in_on(client, owner_a, store_a)
    client.post("/dashboard/settings/", SETTINGS, HTTP_HOST=host_of(store_a))  # EUR
    with schema_context(store_a.schema_name):
        assert store_currency() == "EUR"


def test_a_currency_without_cents_is_refused_while_prices_have_cents(client, store_a, owner_a):
    from storefront.catalog.services import create_product

    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        create_product(title="Alpha Spork", price=Decimal("3.50"))
    response = client.post("/dashboard/settings/", {**SETTINGS, "currency": "JPY"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "JPY has no cents, but 1 variant price(s) do" in response.content.decode()
    with schema_context(store_a.schema_name):
        assert StoreProfile.objects.get().currency == "USD"


def test_a_store_can_sell_in_cny_with_its_prices_in_yuan_and_fen(client, store_a, owner_a):
    from storefront.catalog.services import create_product

    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name):
        product = create_product(title="Teacup", price=Decimal("128.50"))
    response = client.post("/dashboard/settings/", {**SETTINGS, "currency": "CNY"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302, response.content.decode()[:1000]
    with schema_context(store_a.schema_name):
        assert StoreProfile.objects.get().currency == "CNY"
    page = client.get(f"/products/{product.slug}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "¥128.50" in page


def test_the_seller_takes_the_store_out_of_the_directory_from_settings(client, store_a, owner_a):
    from platform.directory.models import DirectoryStore

    sign_in_on(client, owner_a, store_a)
    form = client.get("/dashboard/settings/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'name="list_in_directory"' in form
    data = {**SETTINGS, "list_in_directory": "", "hide_sold_out_in_directory": "on"}
    assert client.post("/dashboard/settings/", data, HTTP_HOST=host_of(store_a)).status_code == 302
    card = DirectoryStore.objects.get(pk=store_a.pk)
    assert (card.opted_out, card.hide_out_of_stock, card.listed) == (True, True, False)
    client.post("/dashboard/settings/", {**SETTINGS, "list_in_directory": "on"}, HTTP_HOST=host_of(store_a))
    card.refresh_from_db()
    assert (card.opted_out, card.hide_out_of_stock, card.listed) == (False, False, True)
