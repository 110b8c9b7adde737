"""Promotions on the pages: the cart and the order say which promotion priced each line; the seller's dashboard
validates promotions, reads times in the store's zone and never shows or touches another store's."""

import re
from datetime import UTC, datetime
from decimal import Decimal

from storefront.catalog.models import Tag
from storefront.promotions.models import Promotion
from storefront.themes.models import StoreProfile
from storefront.themes.services import update_profile
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import add, in_store, make_shipping, make_variant
from tests.storefront.promotions.test_promoted_orders import NEXT_WEEK, order_for, promote


def test_the_cart_shows_which_promotion_priced_each_line(client, store_a):
    with in_store(store_a):
        mug, pen = make_variant("Camp Mug", "20.00"), make_variant("Pen", "5.00")
        promote("Mug week", "percentage", "25", product_ids=[mug.product_id])
    add(client, store_a, mug, 2)
    add(client, store_a, pen, 1)
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert page.count('class="promotion-applied"') == 1
    assert re.search(
        r"<s class=\"muted\">\$20\.00</s> \$15\.00 <span class=\"promotion-applied\">Mug week</span>", page
    )
    # 15.00 x 2 + 5.00: the cart's subtotal is the one checkout will charge.
    assert '<strong id="cart-subtotal">$35.00</strong>' in page


def test_the_buyers_order_page_keeps_the_promotion_each_line_had(client, store_a):
    with in_store(store_a):
        mug, pen = make_variant("Camp Mug", "20.00"), make_variant("Pen", "5.00")
        _, flat = make_shipping(tax="0")
        promotion = promote("Mug week", "percentage", "25", product_ids=[mug.product_id])
        order = order_for([(mug, 2), (pen, 1)], rate=flat)
        # Ending or renaming the promotion later does not change what the order kept.
        Promotion.objects.filter(pk=promotion.pk).update(name="Renamed", is_active=False)
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<span class="promotion-applied">Mug week: \u2212$10.00</span>' in page
    assert page.count('class="promotion-applied"') == 1
    assert order.total == Decimal("40.00")


def manager(client, store, email: str):
    user = make_user(email)
    add_member(store, user, "manager")
    sign_in_on(client, user, store)
    return user


GOOD = {
    "name": "Spring sale", "kind": "percentage", "value": "20", "target": "products", "starts_at": "2027-03-01T00:00",
    "ends_at": "2027-03-08T00:00", "combination": "best", "min_quantity": "1", "is_active": "on",
}  # fmt: skip


def test_a_seller_creates_a_promotion_in_the_stores_time_zone(client, store_a):
    with in_store(store_a):
        update_profile(profile=StoreProfile.objects.get(), timezone="Asia/Tokyo")
        mug = make_variant("Camp Mug", "20.00")
    manager(client, store_a, "m@alpha.test")
    response = client.post(
        "/dashboard/promotions/new/", {**GOOD, "products": [mug.product_id]}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 302
    with in_store(store_a):
        saved = Promotion.objects.get()
        assert (saved.name, saved.value, list(saved.products.all())) == ("Spring sale", Decimal("20.00"), [mug.product])
        assert saved.starts_at == datetime(2027, 2, 28, 15, 0, tzinfo=UTC)
    listing = client.get("/dashboard/promotions/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "2027-03-01 00:00 until 2027-03-08 00:00" in listing
    edit = client.get(f"/dashboard/promotions/{saved.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'value="2027-03-01T00:00"' in edit


def test_bad_promotion_input_gets_clear_errors_and_writes_nothing(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "20.00")
    manager(client, store_a, "m@alpha.test")
    cases = [
        ({"ends_at": "2027-02-01T00:00", "products": [mug.product_id]}, "The end must be after the start."),
        ({"value": "150", "products": [mug.product_id]}, "The percentage must be more than 0 and at most 100."),
        ({"kind": "fixed", "value": "1.234", "products": [mug.product_id]}, "The amount off in USD can have at most 2 decimal places."),
        ({"kind": "fixed", "value": "abc", "products": [mug.product_id]}, "The amount off must be a number such as 12.50."),
        ({}, "Choose at least one product."),
        ({"min_quantity": "0", "products": [mug.product_id]}, "Ensure this value is greater than or equal to 1."),
        ({"target": "collection"}, "Choose one of your collections."),
        ({"name": "  ", "products": [mug.product_id]}, "This field is required."),
    ]  # fmt: skip
    for change, message in cases:
        response = client.post("/dashboard/promotions/new/", {**GOOD, **change}, HTTP_HOST=host_of(store_a))
        assert response.status_code == 400, change
        assert message in response.content.decode(), change
    with in_store(store_a):
        assert not Promotion.objects.exists()


def test_store_b_promotions_are_not_in_store_a_dashboard_even_by_id(client, store_a, store_b):
    with in_store(store_b):
        lamp = make_variant("Lamp", "40.00")
        theirs = promote("B only sale", "percentage", "30", product_ids=[lamp.product_id])
    with in_store(store_a):
        assert not Promotion.objects.filter(pk=theirs.pk).exists()
    manager(client, store_a, "m@alpha.test")
    host = host_of(store_a)
    assert "B only sale" not in client.get("/dashboard/promotions/", HTTP_HOST=host).content.decode()
    assert client.get(f"/dashboard/promotions/{theirs.pk}/", HTTP_HOST=host).status_code == 404
    assert client.post(f"/dashboard/promotions/{theirs.pk}/", GOOD, HTTP_HOST=host).status_code == 404
    assert client.post(f"/dashboard/promotions/{theirs.pk}/end/", HTTP_HOST=host).status_code == 404
    with in_store(store_b):
        still = Promotion.objects.get(pk=theirs.pk)
        assert (still.name, still.is_active) == ("B only sale", True)


def test_ending_a_promotion_puts_prices_back(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "20.00")
        promotion = promote("Mug week", "percentage", "25", product_ids=[mug.product_id])
    manager(client, store_a, "m@alpha.test")
    response = client.post(f"/dashboard/promotions/{promotion.pk}/end/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    add(client, store_a, mug, 1)
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "promotion-applied" not in page and '<strong id="cart-subtotal">$20.00</strong>' in page


def test_the_product_page_and_listings_show_the_promoted_price(client, store_a, store_b):
    with in_store(store_a):
        lamp = make_variant("Desk Lamp", "40.00")
        plain = make_variant("Floor Lamp", "90.00")
        Tag.objects.create(name="lamps").products.add(plain.product)
        promote("Lamp days", "percentage", "25", product_ids=[lamp.product_id])
    with in_store(store_b):
        # Store B's sale on its own tag of the same name.
        lamps = Tag.objects.create(name="lamps")
        lamps.products.add(make_variant("B lamp", "10.00").product)
        promote("B lamp sale", "percentage", "50", tag_id=lamps.pk)
    host = host_of(store_a)
    page = client.get(f"/products/{lamp.product.slug}/", HTTP_HOST=host).content.decode()
    assert '<span id="variant-price">$30.00</span>' in page
    assert (
        '<s class="compare">$40.00</s>' in page
        and '<span class="promotion-applied" id="variant-promotion">Lamp days</span>' in page
    )
    assert '"price": "30.00"' in page  # the structured data search engines read
    # The countdown: the server renders the end, a static script (no inline one: CSP) counts down to it.
    ends = NEXT_WEEK.isoformat()
    assert f'<span class="countdown" data-ends-at="{ends}">Ends {NEXT_WEEK:%Y-%m-%d %H:%M} UTC</span>' in page
    assert "/static/js/countdown.js" in page
    other = client.get(f"/products/{plain.product.slug}/", HTTP_HOST=host).content.decode()
    assert '<span id="variant-price">$90.00</span>' in other and "promotion-applied" not in other
    listing = client.get("/products/", HTTP_HOST=host).content.decode()
    assert (
        '<p class="price">$30.00 <s class="compare">$40.00</s> <span class="promotion-applied">Lamp days</span> '
        f'<span class="countdown" data-ends-at="{ends}"></span></p>'
    ) in listing
    assert '<p class="price">$90.00</p>' in listing and "B lamp sale" not in listing


def test_a_seller_makes_buy_x_get_y_and_free_shipping_promotions_and_bad_ones_write_nothing(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "20.00")
    manager(client, store_a, "m@alpha.test")
    host = host_of(store_a)
    refused = [
        ({"kind": "buy_x_get_y", "value": "100", "buy_quantity": "2", "products": [mug.product_id]},
         "Buy X get Y needs a whole number of units from 1 to 99 here."),
        ({"kind": "buy_x_get_y", "value": "", "buy_quantity": "2", "get_quantity": "1", "products": [mug.product_id]},
         "Say how much is taken off the free units, in percent: 100 for free, 50 for half price."),
        ({"kind": "free_shipping", "min_subtotal": "lots"}, "The order amount must be a number such as 12.50."),
    ]  # fmt: skip
    for fields, message in refused:
        response = client.post("/dashboard/promotions/new/", {**GOOD, **fields}, HTTP_HOST=host)
        assert response.status_code == 400, fields
        assert message in response.content.decode(), fields
    with in_store(store_a):
        assert not Promotion.objects.exists()

    made = [
        {"name": "3 for 2", "kind": "buy_x_get_y", "value": "100", "buy_quantity": "2", "get_quantity": "1",
         "products": [mug.product_id]},
        # The target given is not used: free shipping is the order's.
        {"name": "Ships free", "kind": "free_shipping", "value": "", "min_subtotal": "75", "target": "collection"},
    ]  # fmt: skip
    for fields in made:
        assert client.post("/dashboard/promotions/new/", {**GOOD, **fields}, HTTP_HOST=host).status_code == 302
    with in_store(store_a):
        bundle, shipping = Promotion.objects.get(name="3 for 2"), Promotion.objects.get(name="Ships free")
    assert (bundle.kind, bundle.buy_quantity, bundle.get_quantity, bundle.value) == ("buy_x_get_y", 2, 1, 100)
    assert (shipping.kind, shipping.target, shipping.min_subtotal, shipping.value) == ("free_shipping", "all", 75, 0)
    listing = client.get("/dashboard/promotions/", HTTP_HOST=host).content.decode()
    assert "Buy 2 get 1 at 100 % off" in listing and "Free shipping from $75.00" in listing
