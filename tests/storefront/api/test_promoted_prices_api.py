"""The store API prices products as the storefront does: the current (promoted) price and the running promotion
beside the list price, for products, variants, listings and search; another store's promotion changes nothing."""

from datetime import datetime, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from storefront.catalog.models import Tag
from storefront.promotions.services import end_promotion, save_promotion

from ..catalog.factories import make_product, make_shirt


def _promote(store, name: str, kind: str, value: str, **target):
    with schema_context(store.schema_name):
        return save_promotion(
            promotion=None, name=name, kind=kind, value=value, starts_at=timezone.now() - timedelta(hours=1),
            ends_at=timezone.now() + timedelta(days=1), **target,
        )  # fmt: skip


def test_a_running_promotion_sets_the_current_price_of_products_and_variants(store_a, api):
    shirt = make_shirt(store_a, title="Alpha Promo Shirt")  # variants at 20.00 and 22.00
    plain = make_product(store_a, title="Alpha Plain Mug", price="9.00")
    sale = _promote(store_a, "Shirt week", "percentage", "25", target="products", product_ids=[shirt.pk])

    body = api("get", store_a, f"/products/{shirt.pk}").json()
    # 25 % of 20.00 = 5.00: the product's lowest price is now 15.00; its 22.00 variants cost 16.50.
    assert (body["price"], body["current_price"]) == ("20.00", "15.00")
    promotion = body["promotion"]
    assert (promotion["name"], promotion["list_price"]) == ("Shirt week", "20.00")
    # The API gives times to the millisecond.
    assert datetime.fromisoformat(promotion["ends_at"]) == sale.ends_at.replace(
        microsecond=sale.ends_at.microsecond // 1000 * 1000
    )
    dearest = body["variants"][3]
    assert (dearest["price"], dearest["current_price"], dearest["promotion"]["name"]) == (
        "22.00",
        "16.50",
        "Shirt week",
    )
    variant = api("get", store_a, f"/variants/{dearest['id']}").json()
    assert (variant["current_price"], variant["promotion"]["list_price"]) == ("16.50", "22.00")

    listed = {item["title"]: item for item in api("get", store_a, "/products").json()["items"]}
    assert (listed["Alpha Promo Shirt"]["current_price"], listed["Alpha Plain Mug"]["current_price"]) == (
        "15.00", "9.00",
    )  # fmt: skip
    assert listed["Alpha Plain Mug"]["promotion"] is None
    found = api("get", store_a, "/search?q=promo").json()["items"]
    assert [(item["title"], item["current_price"]) for item in found] == [("Alpha Promo Shirt", "15.00")]
    assert plain.pk != shirt.pk

    with schema_context(store_a.schema_name):
        end_promotion(promotion=sale)
    ended = api("get", store_a, f"/products/{shirt.pk}").json()
    assert (ended["current_price"], ended["promotion"]) == ("20.00", None)


def test_a_tag_promotion_prices_a_page_of_products_without_a_query_per_product(store_a, api):
    with schema_context(store_a.schema_name):
        tag = Tag.objects.create(name="kitchen")
    products = [make_product(store_a, title=f"Alpha Pan {number}", price="10.00") for number in range(4)]
    with schema_context(store_a.schema_name):
        for product in products[:3]:
            product.tags.add(tag)
    _promote(store_a, "Kitchen days", "fixed", "1.50", target="tag", tag_id=tag.pk)

    items = api("get", store_a, "/products?q=pan").json()["items"]

    assert [(item["title"], item["current_price"], (item["promotion"] or {}).get("name")) for item in items] == [
        ("Alpha Pan 0", "8.50", "Kitchen days"),
        ("Alpha Pan 1", "8.50", "Kitchen days"),
        ("Alpha Pan 2", "8.50", "Kitchen days"),
        ("Alpha Pan 3", "10.00", None),
    ]


def test_store_b_sees_none_of_store_as_promotions(store_a, store_b, api):
    mug_a = make_product(store_a, title="Shared Name Mug", price="12.00")
    mug_b = make_product(store_b, title="Shared Name Mug", price="12.00")
    _promote(store_a, "Alpha mug sale", "percentage", "50", target="all")

    assert api("get", store_a, f"/products/{mug_a.pk}").json()["current_price"] == "6.00"
    body_b = api("get", store_b, f"/products/{mug_b.pk}").json()
    assert (body_b["current_price"], body_b["promotion"]) == ("12.00", None)
    # Store A's product id on store B's host finds nothing there.
    if mug_a.pk != mug_b.pk:
        assert api("get", store_b, f"/products/{mug_a.pk}").status_code == 404


def test_offers_that_change_no_unit_price_are_listed_beside_it(store_a, store_b, api):
    socks = make_product(store_a, title="Alpha Wool Socks", price="10.00")
    mug = make_product(store_a, title="Alpha Camp Mug", price="20.00")
    _promote(store_a, "3 for 2 socks", "buy_x_get_y", "100", target="products", product_ids=[socks.pk],
             buy_quantity=2, get_quantity=1)  # fmt: skip
    _promote(store_a, "Mugs by the box", "percentage", "10", target="products", product_ids=[mug.pk], min_quantity=3)
    # Store B's offer on every product of its own: none of A's.
    _promote(store_b, "B's tier", "fixed", "1.00", target="all", min_quantity=2)

    body = api("get", store_a, f"/products/{socks.pk}").json()
    # The unit price is unchanged; the offer says what the cart will take.
    assert (body["current_price"], body["promotion"]) == ("10.00", None)
    assert body["offers"] == [
        {"name": "3 for 2 socks", "kind": "buy_x_get_y", "text": "Buy 2, get 1 free", "buy_quantity": 2,
         "get_quantity": 1, "min_quantity": 1, "min_subtotal": None},
    ]  # fmt: skip
    listed = {item["title"]: item["offers"] for item in api("get", store_a, "/products").json()["items"]}
    assert [offer["text"] for offer in listed["Alpha Camp Mug"]] == ["3 or more: 10% off each"]
    assert [offer["text"] for offer in listed["Alpha Wool Socks"]] == ["Buy 2, get 1 free"]
    mug_b = make_product(store_b, title="Beta Mug", price="20.00")
    assert [offer["name"] for offer in api("get", store_b, f"/products/{mug_b.pk}").json()["offers"]] == ["B's tier"]
