"""Offers that change no unit price (buy X get Y, quantity tiers, free shipping) are said beside the price on the
product page and the product cards, and the cart says which units were free; another store's never show."""

from storefront.catalog.models import Tag
from storefront.promotions.services import end_promotion
from tests.conftest import host_of
from tests.storefront.checkout.support import add, in_store, make_variant
from tests.storefront.promotions.test_bundles_and_free_shipping import free_shipping, running


def _cards(page: str) -> dict[str, str]:
    """{product title: its card's price paragraph} of a listing page."""
    found = {}
    for card in page.split('<li class="card product">')[1:]:
        title = card.split("</a></h3>")[0].rsplit(">", 1)[1]
        found[title] = card.split('<p class="price">')[1].split("</p>")[0]
    return found


def test_buy_x_get_y_and_a_quantity_tier_show_on_the_product_page_and_the_cards(client, store_a):
    with in_store(store_a):
        socks, scarf = make_variant("Wool Socks", "10.00"), make_variant("Silk Scarf", "30.00")
        mug, lamp = make_variant("Camp Mug", "20.00"), make_variant("Desk Lamp", "40.00")
        tag = Tag.objects.create(name="socks")
        tag.products.add(socks.product)
        running("3 for 2 socks", "buy_x_get_y", "100", target="tag", tag_id=tag.pk, buy_quantity=2, get_quantity=1)
        running("Second scarf half price", "buy_x_get_y", "50", product_ids=[scarf.product_id], buy_quantity=1,
                get_quantity=1)  # fmt: skip
        running("Mugs by the box", "percentage", "10", product_ids=[mug.product_id], min_quantity=3)
        running("Two lamps", "fixed", "5.00", product_ids=[lamp.product_id], min_quantity=2)
        free_shipping("Ships free over $50", "50.00")
    host = host_of(store_a)

    page = client.get(f"/products/{socks.product.slug}/", HTTP_HOST=host).content.decode()
    offers = page.split('id="product-offers">')[1].split("</ul>")[0]
    # The unit price is unchanged (the saving depends on the cart); the offer and its name are said beside it.
    assert '<span id="variant-price">$10.00</span>' in page and "variant-promotion" not in page
    assert '<li class="offer-badge">Buy 2, get 1 free <span class="muted">(3 for 2 socks)</span></li>' in offers
    # Free shipping covers every product: the product page says it too.
    assert "Free shipping on orders of $50.00 or more" in offers
    scarf_page = client.get(f"/products/{scarf.product.slug}/", HTTP_HOST=host).content.decode()
    assert "Buy 1, get 1 at 50% off" in scarf_page and "Buy 2, get 1 free" not in scarf_page
    mug_page = client.get(f"/products/{mug.product.slug}/", HTTP_HOST=host).content.decode()
    assert '<span id="variant-price">$20.00</span>' in mug_page and "3 or more: 10% off each" in mug_page

    cards = _cards(client.get("/products/", HTTP_HOST=host).content.decode())
    assert cards["Wool Socks"] == '$10.00 <span class="offer-badge">Buy 2, get 1 free</span>'
    assert cards["Silk Scarf"] == '$30.00 <span class="offer-badge">Buy 1, get 1 at 50% off</span>'
    assert cards["Camp Mug"] == '$20.00 <span class="offer-badge">3 or more: 10% off each</span>'
    assert cards["Desk Lamp"] == '$40.00 <span class="offer-badge">2 or more: $5.00 off each</span>'
    # The home page's cards are the same cards.
    assert '<span class="offer-badge">Buy 2, get 1 free</span>' in client.get("/", HTTP_HOST=host).content.decode()


def test_the_cart_says_which_units_were_free_or_discounted(client, store_a):
    with in_store(store_a):
        socks, scarf = make_variant("Wool Socks", "10.00"), make_variant("Silk Scarf", "30.00")
        running("3 for 2 socks", "buy_x_get_y", "100", product_ids=[socks.product_id], buy_quantity=2,
                get_quantity=1)  # fmt: skip
        running("Second scarf half price", "buy_x_get_y", "50", product_ids=[scarf.product_id], buy_quantity=1,
                get_quantity=1)  # fmt: skip
    add(client, store_a, socks, 7)
    add(client, store_a, scarf, 2)
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    # Seven socks make two groups of three: two of them free (20.00 off, 50.00 to pay).
    assert '3 for 2 socks: \N{MINUS SIGN}$20.00</span> <span class="bundle-units">2 of 7 free</span>' in page
    # Two scarves: the second at half price, so discounted rather than free.
    assert '<span class="bundle-units">1 of 2 discounted</span>' in page
    assert '<strong id="cart-subtotal">$95.00</strong>' in page


def test_an_ended_offer_leaves_the_pages(client, store_a):
    with in_store(store_a):
        socks = make_variant("Wool Socks", "10.00")
        offer = running("3 for 2 socks", "buy_x_get_y", "100", product_ids=[socks.product_id], buy_quantity=2,
                        get_quantity=1)  # fmt: skip
    host = host_of(store_a)
    assert "Buy 2, get 1 free" in client.get(f"/products/{socks.product.slug}/", HTTP_HOST=host).content.decode()
    with in_store(store_a):
        end_promotion(promotion=offer)
    assert "offer-badge" not in client.get(f"/products/{socks.product.slug}/", HTTP_HOST=host).content.decode()
    assert "offer-badge" not in client.get("/products/", HTTP_HOST=host).content.decode()


def test_store_b_offers_never_show_on_store_a_pages(client, store_a, store_b):
    with in_store(store_a):
        socks = make_variant("Wool Socks", "10.00")
        Tag.objects.create(name="socks").products.add(socks.product)
    with in_store(store_b):
        other = make_variant("Wool Socks", "10.00")
        tag = Tag.objects.create(name="socks")
        tag.products.add(other.product)
        # B's offers on its own tag of the same name, on every product, and on a product list holding A's id.
        running("B socks", "buy_x_get_y", "100", target="tag", tag_id=tag.pk, buy_quantity=2, get_quantity=1)
        running("B boxes", "percentage", "10", target="all", min_quantity=3)
        running("B ids", "buy_x_get_y", "100", product_ids=[other.product_id], buy_quantity=1, get_quantity=1)
        free_shipping("B ships free", "1.00")
    host = host_of(store_a)
    for path in (f"/products/{socks.product.slug}/", "/products/", "/"):
        page = client.get(path, HTTP_HOST=host).content.decode()
        assert "offer-badge" not in page and "B socks" not in page and "Free shipping on orders" not in page, path
    add(client, store_a, socks, 3)
    assert "bundle-units" not in client.get("/cart/", HTTP_HOST=host).content.decode()
    b_page = client.get(f"/products/{other.product.slug}/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "Buy 2, get 1 free" in b_page
