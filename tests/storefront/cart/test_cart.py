"""The cart: add from the product page, merge lines, change and remove, and what checkout says changed."""

from decimal import Decimal

from storefront.cart.models import CartLine
from storefront.catalog.models import Product, ProductVariant
from tests.conftest import host_of
from tests.storefront.checkout.support import add, in_store, make_variant


def lines(store):
    with in_store(store):
        return sorted((line.variant.sku, line.quantity) for line in CartLine.objects.select_related("variant"))


def test_the_product_page_has_an_add_to_cart_form_without_a_csrf_token(client, store_a):
    with in_store(store_a):
        variant = make_variant("Camp Mug", "12.00")
    page = client.get("/products/camp-mug/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<form method="post" action="/cart/add/" class="add-to-cart" id="add-to-cart">' in page
    assert f'<input type="hidden" name="variant" value="{variant.pk}">' in page
    assert "csrfmiddlewaretoken" not in page


def test_adding_twice_merges_into_one_line_and_the_cart_page_adds_up(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        lamp = make_variant("Lamp", "30.50")
    assert add(client, store_a, mug, 2)["Location"] == "/cart/"
    add(client, store_a, mug, 1)
    add(client, store_a, lamp, 1)
    assert lines(store_a) == [("CAMP-MUG", 3), ("LAMP", 1)]
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<strong id="cart-subtotal">$66.50</strong>' in page


def test_change_quantity_and_remove(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        lamp = make_variant("Lamp", "30.50")
    add(client, store_a, mug)
    add(client, store_a, lamp)
    with in_store(store_a):
        mug_line, lamp_line = (CartLine.objects.get(variant=v).pk for v in (mug, lamp))
    client.post(f"/cart/lines/{mug_line}/", {"quantity": 5}, HTTP_HOST=host_of(store_a))
    assert lines(store_a) == [("CAMP-MUG", 5), ("LAMP", 1)]
    client.post(f"/cart/lines/{lamp_line}/remove/", HTTP_HOST=host_of(store_a))
    assert lines(store_a) == [(mug.sku, 5)]
    client.post(f"/cart/lines/{mug_line}/", {"quantity": 0}, HTTP_HOST=host_of(store_a))
    assert lines(store_a) == []


def test_you_cannot_add_more_than_the_stock_or_a_draft_product(client, store_a):
    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=2)
        draft = make_variant("Secret", "1.00")
        Product.objects.filter(pk=draft.product_id).update(status=Product.Status.DRAFT)
    add(client, store_a, tent, 3)
    assert "Only 2 of Tent (Default) left." in client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    add(client, store_a, draft)
    assert "This product is not for sale." in client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert lines(store_a) == []


def test_a_post_from_another_site_is_refused(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
    response = client.post(
        "/cart/add/", {"variant": mug.pk, "quantity": 1}, HTTP_HOST=host_of(store_a), HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert lines(store_a) == []


def test_checkout_tells_the_buyer_about_new_prices_and_lower_stock(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
        tent = make_variant("Tent", "99.00", stock=5)
        gone = make_variant("Gone", "3.00", stock=1)
    add(client, store_a, mug, 2)
    add(client, store_a, tent, 4)
    add(client, store_a, gone, 1)
    with in_store(store_a):
        ProductVariant.objects.filter(pk=mug.pk).update(price=Decimal("13.50"))
        ProductVariant.objects.filter(pk=tent.pk).update(stock=3)
        ProductVariant.objects.filter(pk=gone.pk).update(stock=0)
    page = client.get("/checkout/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "The price of Camp Mug (Default) changed from 12.00 to 13.50." in page
    assert "Only 3 of Tent (Default) left; your quantity was lowered from 4." in page
    assert "Gone (Default) sold out and was removed." in page
    assert lines(store_a) == [("CAMP-MUG", 2), ("TENT", 3)]
    assert '<td id="summary-subtotal">$324.00</td>' in page


def test_store_b_cannot_see_or_change_store_a_cart(client, store_a, store_b):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
    add(client, store_a, mug, 2)
    with in_store(store_a):
        line_id = CartLine.objects.get().pk
    # The same browser on store B: its session there is a different one, and A's cart line is not B's to touch.
    page = client.get("/cart/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "Your cart is empty." in page
    client.post(f"/cart/lines/{line_id}/remove/", HTTP_HOST=host_of(store_b))
    client.post(f"/cart/lines/{line_id}/", {"quantity": 9}, HTTP_HOST=host_of(store_b))
    assert lines(store_a) == [(mug.sku, 2)]
    # A's variant id means nothing on B (another schema): adding it there adds B's own row or nothing.
    with in_store(store_b):
        assert not CartLine.objects.exists()


def test_the_midnight_theme_shows_the_cart_with_classic_templates(client, store_a):
    from storefront.themes.models import StoreProfile

    with in_store(store_a):
        StoreProfile.objects.update(theme="midnight")
        mug = make_variant("Camp Mug", "12.00")
    add(client, store_a, mug)
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'data-theme="midnight"' in page
    assert '<strong id="cart-subtotal">$12.00</strong>' in page
