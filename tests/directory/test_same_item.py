"""Same item, several stores: listings grouped by GTIN or a conservative title match into one result."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from platform.directory.models import Listing
from platform.directory.ranking import group_key
from platform.directory.selectors import SearchParams, search
from platform.directory.services import write_reputation
from platform.kit.gtin import normalize_gtin
from storefront.catalog.models import Product
from storefront.catalog.services import create_product, update_product
from storefront.themes.models import StoreProfile
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.directory.conftest import drain

PLATFORM = {"HTTP_HOST": settings.BASE_DOMAIN}


def _corpus(store_a, store_b) -> None:
    with schema_context(store_a.schema_name):
        # EAN-13 given by A, the same number as GTIN-14 with spaces by B, under different titles.
        create_product(title="Pour-over Coffee Dripper", price="25.00", gtin="4006381333931")
        create_product(title="Blue Enamel Camping Mug", price="12.00")
        create_product(title="Enamel Mug", price="8.00")
    with schema_context(store_b.schema_name):
        create_product(title="Ceramic dripper for pour-over coffee", price="22.00", gtin="0 4006381 33393 1")
        create_product(title="BLUE enamel camping-mug!", price="10.00")
        create_product(title="Enamel Mug", price="7.00")
    drain(store_a)
    drain(store_b)
    write_reputation(store=store_a, rating=Decimal("4.8"), review_count=40, on_time_percent=Decimal("95.0"),
                     median_response_minutes=20, cancellation_percent=Decimal("0.0"), recent_orders=10)  # fmt: skip


def test_listings_of_one_gtin_are_one_result_sold_by_two_stores_from_the_lowest_price(store_a, store_b):
    _corpus(store_a, store_b)
    result = search(SearchParams(q="dripper"))
    assert result.total == 2  # listings counted; one result shown
    assert len(result.hits) == 1
    hit = result.hits[0]
    assert (hit.store_count, hit.lowest_price) == (2, Decimal("22.00"))
    assert [(offer.store_slug, offer.price) for offer in hit.offers] == [("beta", Decimal("22.00")),
                                                                         ("alpha", Decimal("25.00"))]  # fmt: skip
    # Each offer carries its store's fed reputation (B has none yet).
    assert [(offer.rating, offer.review_count, offer.on_time_percent) for offer in hit.offers] == [
        (None, 0, None),
        (Decimal("4.80"), 40, Decimal("95.0")),
    ]


def test_a_long_title_groups_after_normalizing_and_a_short_one_never_does(store_a, store_b):
    _corpus(store_a, store_b)
    result = search(SearchParams(q="enamel mug"))
    assert result.total == 4
    grouped = [(hit.title, hit.store_count, hit.lowest_price) for hit in result.hits]
    # The group stands under its best-ranked listing (A's: same text rank, better store score), priced from B's.
    # "Enamel Mug" (two words) from two stores may be two different mugs: two results, no offers.
    assert sorted(grouped) == [
        ("Blue Enamel Camping Mug", 2, Decimal("10.00")),
        ("Enamel Mug", 1, Decimal("7.00")),
        ("Enamel Mug", 1, Decimal("8.00")),
    ]
    assert [hit.offers for hit in result.hits if hit.title == "Enamel Mug"] == [(), ()]


def test_the_json_and_the_page_say_sold_by_n_stores_from_the_lowest_price(client, store_a, store_b):
    _corpus(store_a, store_b)
    data = client.get("/search.json", {"q": "dripper"}, **PLATFORM).json()
    [item] = data["results"]
    assert (item["store_count"], item["lowest_price"]) == (2, "22.00")
    assert [(offer["store"]["slug"], offer["price"], offer["rating"]) for offer in item["offers"]] == [
        ("beta", "22.00", None),
        ("alpha", "25.00", "4.80"),
    ]
    page = client.get("/search", {"q": "dripper"}, **PLATFORM).content.decode()
    assert "Sold by 2 stores, from 22.00 USD" in page


def test_different_currencies_never_group(store_a, store_b):
    with schema_context(store_b.schema_name):
        StoreProfile.objects.update_or_create(pk=1, defaults={"currency": "EUR"})
    _corpus(store_a, store_b)
    result = search(SearchParams(q="dripper"))
    assert len(result.hits) == 2 and all(hit.offers == () for hit in result.hits)
    assert group_key(gtin="04006381333931", title="x", currency="USD") != group_key(
        gtin="04006381333931", title="x", currency="EUR"
    )


def test_a_suspended_store_s_offer_leaves_the_group(store_a, store_b):
    from tenants.services import suspend_store

    _corpus(store_a, store_b)
    suspend_store(store=store_b, reason="test")
    result = search(SearchParams(q="dripper"))
    assert [(hit.store_slug, hit.offers) for hit in result.hits] == [("alpha", ())]


@pytest.mark.parametrize("given", ["4006381333932", "12345", "40063813339311", "400638133393a"])
def test_a_wrong_gtin_is_refused_with_a_clear_message_and_nothing_is_written(store_a, given):
    with schema_context(store_a.schema_name):
        with pytest.raises(ValidationError) as refused:
            create_product(title="Bad Barcode", price="5.00", gtin=given)
        assert "gtin" in refused.value.message_dict
        assert not Product.objects.filter(title="Bad Barcode").exists()
        product = create_product(title="Good Barcode", price="5.00", gtin="036000291452")
        assert product.gtin == "00036000291452" == normalize_gtin("0360 0029 1452")
        with pytest.raises(ValidationError):
            update_product(product=product, gtin=given)
        product.refresh_from_db()
        assert product.gtin == "00036000291452"


def test_the_dashboard_product_form_takes_a_gtin_and_refuses_a_wrong_one(client, store_a):
    seller = make_user("seller@alpha.test")
    add_member(store_a, seller, "owner")
    sign_in_on(client, seller, store_a)
    host = {"HTTP_HOST": host_of(store_a)}
    with schema_context(store_a.schema_name):
        product = create_product(title="Scanned Kettle", price="30.00")
    form = {"title": "Scanned Kettle", "description": "", "status": "active", "tags": ""}
    refused = client.post(f"/dashboard/products/{product.pk}/", {**form, "gtin": "96385075"}, **host)
    assert refused.status_code in (200, 400)
    assert "check digit is wrong" in refused.content.decode()
    saved = client.post(f"/dashboard/products/{product.pk}/", {**form, "gtin": "96385074"}, **host)
    assert saved.status_code == 302
    with schema_context(store_a.schema_name):
        product.refresh_from_db()
        assert product.gtin == "00000096385074"
    drain(store_a)
    assert Listing.objects.get(store_id=store_a.pk, product_id=product.pk).gtin == "00000096385074"


def test_each_offer_shows_its_stores_shipping_price_which_follows_the_stores_rates(client, store_a, store_b):
    from storefront.checkout.models import ShippingZone
    from storefront.checkout.settings_services import delete_shipping_zone, save_shipping_rate, save_shipping_zone

    for store in (store_a, store_b):
        with schema_context(store.schema_name):
            ShippingZone.objects.all().delete()
    with schema_context(store_a.schema_name):
        zone = save_shipping_zone(zone=None, name="Domestic", countries="US", tax_rate="0")
        save_shipping_rate(zone=zone, rate=None, name="Standard", kind="flat", price="6.50")
        save_shipping_rate(
            zone=zone, rate=None, name="Light parcels", kind="weight", price="3.75", max_weight_grams=500
        )
        # Free only above a subtotal: not a price every buyer pays, so not the "from".
        save_shipping_rate(zone=zone, rate=None, name="Free over 100", kind="free_over", min_subtotal="100.00")
    _corpus(store_a, store_b)

    def offered() -> list[tuple[str, Decimal | None]]:
        [hit] = search(SearchParams(q="dripper")).hits
        return [(offer.store_slug, offer.shipping_from) for offer in hit.offers]

    # A's lowest priced rate, whatever the zone; B ships nowhere yet.
    assert offered() == [("beta", None), ("alpha", Decimal("3.75"))]
    # B sets up shipping from its dashboard's services: its offers follow at once, no product change needed.
    with schema_context(store_b.schema_name):
        zone_b = save_shipping_zone(zone=None, name="North America", countries="US, CA", tax_rate="0")
        save_shipping_rate(zone=zone_b, rate=None, name="Flat", kind="flat", price="4.00")
    assert offered() == [("beta", Decimal("4.00")), ("alpha", Decimal("3.75"))]
    data = client.get("/search.json", {"q": "dripper"}, **PLATFORM).json()
    assert [offer["shipping_from"] for offer in data["results"][0]["offers"]] == ["4.00", "3.75"]
    page = client.get("/search", {"q": "dripper"}, **PLATFORM).content.decode()
    assert '<span class="offer-shipping">shipping from 4.00 USD</span>' in page
    assert '<span class="offer-shipping">shipping from 3.75 USD</span>' in page
    with schema_context(store_b.schema_name):
        delete_shipping_zone(zone=zone_b)
    assert offered() == [("beta", None), ("alpha", Decimal("3.75"))]
