"""Favourites and followed stores: linked from store pages and the directory, confirmed on the platform site."""

import pytest
from django.test import Client

from platform.buyers.models import FavouriteProduct, FollowedStore
from platform.buyers.selectors import favourite_product_keys, followed_store_ids
from tests.conftest import host_of
from tests.storefront.reviews.support import make_products

from .support import PLATFORM, Browser, make_buyer, make_listing, sign_in_buyer


@pytest.fixture
def buyer(db):
    return make_buyer()


@pytest.fixture
def shopper(buyer) -> Browser:
    shopper = Browser()
    sign_in_buyer(shopper.platform)
    return shopper


def test_the_product_page_links_its_heart_and_every_store_page_its_follow_button_to_the_platform(db, store_a):
    [product] = make_products(store_a, "Heart Mug")
    page = Client().get(f"/products/{product.slug}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert f'href="http://localhost:8000/buyer/favourites/add/?store=alpha&amp;product={product.pk}"' in page
    assert 'href="http://localhost:8000/buyer/follow/?store=alpha"' in page
    home = Client().get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'href="http://localhost:8000/buyer/follow/?store=alpha"' in home


def test_a_favourite_is_confirmed_with_a_post_and_shows_on_the_account_page(shopper, buyer, store_a):
    make_listing(store_a, 41, "Speckled Mug", product_slug="speckled-mug")
    path = "/buyer/favourites/add/?store=alpha&product=41"
    confirm = shopper.platform.get(path, HTTP_HOST=PLATFORM)
    assert confirm.status_code == 200 and "Speckled Mug" in confirm.content.decode()
    assert not FavouriteProduct.objects.exists()  # a GET saves nothing

    saved = shopper.platform.post(path, {"store": "alpha", "product": "41"}, HTTP_HOST=PLATFORM)
    assert saved.status_code == 302 and saved["Location"] == "http://alpha.localhost:8000/products/speckled-mug/"
    assert favourite_product_keys(buyer) == {(store_a.pk, 41)}
    # Saving twice keeps one.
    shopper.platform.post(path, {"store": "alpha", "product": "41"}, HTTP_HOST=PLATFORM)
    assert FavouriteProduct.objects.count() == 1
    account = shopper.platform.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    assert "Speckled Mug" in account and "http://alpha.localhost:8000/products/speckled-mug/" in account


def test_a_visitor_not_signed_in_is_sent_to_sign_in_and_back(db, store_a):
    make_listing(store_a, 41, "Speckled Mug")
    response = Client().get("/buyer/favourites/add/?store=alpha&product=41", HTTP_HOST=PLATFORM)
    assert response.status_code == 302
    assert response["Location"] == "/buyer/signin/?next=%2Fbuyer%2Ffavourites%2Fadd%2F%3Fstore%3Dalpha%26product%3D41"


@pytest.mark.parametrize(
    "query,status",
    [
        ("", 400),
        ("?store=alpha", 400),
        ("?store=alpha&product=abc", 400),
        ("?store=alpha&product=-3", 400),
        ("?store=alpha&product=99999999999999999999", 400),
        ("?store=alpha&product=999", 404),  # not in the directory
        ("?store=no-such-store&product=41", 404),
        (f"?store={'x' * 100}&product=41", 400),
    ],
)
def test_bad_favourite_input_is_a_clear_4xx_and_writes_nothing(shopper, store_a, query, status):
    make_listing(store_a, 41, "Speckled Mug")
    assert shopper.platform.get(f"/buyer/favourites/add/{query}", HTTP_HOST=PLATFORM).status_code == status
    assert shopper.platform.post(f"/buyer/favourites/add/{query}", HTTP_HOST=PLATFORM).status_code == status
    assert not FavouriteProduct.objects.exists()


def test_a_favourite_or_follow_needs_this_sites_csrf_token(buyer, store_a):
    make_listing(store_a, 41, "Speckled Mug")
    signed_in = Client()
    sign_in_buyer(signed_in)
    # The signed-in buyer's session cookie without this site's CSRF token: what a form on any other host could send.
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = signed_in.cookies
    favourite = forged.post("/buyer/favourites/add/", {"store": "alpha", "product": "41"}, HTTP_HOST=PLATFORM)
    assert favourite.status_code == 403
    assert forged.post("/buyer/follow/", {"store": "alpha"}, HTTP_HOST=PLATFORM).status_code == 403
    assert not FavouriteProduct.objects.exists() and not FollowedStore.objects.exists()


def test_following_a_store_lists_its_new_products_and_feeds_the_ranking_hook(shopper, buyer, store_a, store_b):
    make_listing(store_a, 1, "Alpha Old Boots", minutes_ago=30)
    make_listing(store_b, 2, "Beta Old Book", minutes_ago=20)
    make_listing(store_b, 3, "Beta New Book", minutes_ago=1)
    response = shopper.platform.post("/buyer/follow/", {"store": "beta"}, HTTP_HOST=PLATFORM)
    assert response.status_code == 302 and response["Location"] == "http://beta.localhost:8000/"
    assert followed_store_ids(buyer) == {store_b.pk}
    assert followed_store_ids(None) == set()

    account = shopper.platform.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    news = account.split('id="buyer-new-from-followed"')[1].split("</ul>")[0]
    assert news.index("Beta New Book") < news.index("Beta Old Book")
    assert "Alpha Old Boots" not in news

    assert shopper.platform.post(f"/buyer/follows/{store_b.pk}/remove/", HTTP_HOST=PLATFORM).status_code == 302
    assert followed_store_ids(buyer) == set()


def test_follow_from_the_directory_goes_back_to_the_directory_page(shopper, store_a):
    data = {"store": "alpha", "next": "/directory/stores/?q=alpha"}
    response = shopper.platform.post("/buyer/follow/", data, HTTP_HOST=PLATFORM)
    assert response["Location"] == "/directory/stores/?q=alpha"
    # Never another host.
    response = shopper.platform.post("/buyer/follow/", {**data, "next": "//evil.example/"}, HTTP_HOST=PLATFORM)
    assert response["Location"] == "http://alpha.localhost:8000/"


def test_bad_follow_input_is_a_clear_4xx(shopper, store_a):
    assert shopper.platform.post("/buyer/follow/", HTTP_HOST=PLATFORM).status_code == 400
    assert shopper.platform.post("/buyer/follow/", {"store": "no-such"}, HTTP_HOST=PLATFORM).status_code == 404
    assert shopper.platform.post("/buyer/follows/abc/remove/", HTTP_HOST=PLATFORM).status_code == 404
    assert not FollowedStore.objects.exists()


def test_one_buyer_never_sees_or_removes_anothers_favourites_and_follows(shopper, store_a, store_b):
    other = make_buyer("other@example.com")
    make_listing(store_a, 41, "Private Mug")
    favourite = FavouriteProduct.objects.create(buyer=other, store=store_a, product_id=41)
    FollowedStore.objects.create(buyer=other, store=store_b)
    make_listing(store_b, 2, "Followed By Other")
    account = shopper.platform.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    assert "Private Mug" not in account and "Followed By Other" not in account and "Beta Books" not in account
    assert shopper.platform.post(f"/buyer/favourites/{favourite.pk}/remove/", HTTP_HOST=PLATFORM).status_code == 404
    assert shopper.platform.post(f"/buyer/follows/{store_b.pk}/remove/", HTTP_HOST=PLATFORM).status_code == 404
    assert (
        FavouriteProduct.objects.filter(pk=favourite.pk).exists() and FollowedStore.objects.filter(buyer=other).exists()
    )


def test_the_directory_links_save_and_follow_for_each_result(db, store_a):
    make_listing(store_a, 41, "Directory Mug")
    page = Client().get("/search?q=mug", HTTP_HOST=PLATFORM).content.decode()
    assert "/buyer/favourites/add/?store=alpha&amp;product=41&amp;next=" in page
    assert "/buyer/follow/?store=alpha&amp;next=" in page
