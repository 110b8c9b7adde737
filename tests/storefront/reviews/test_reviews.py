"""Reviews: once per product of a fulfilled order, from the buyer's order page; shown with an average; hideable."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from storefront.orders.models import Order
from storefront.orders.services import fulfil_order
from storefront.reviews import selectors
from storefront.reviews.models import Review
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.orders.test_dashboard import paid_order
from tests.storefront.reviews.support import make_order, make_products, post_review


def reviews_in(store) -> list[tuple[int, int, str]]:
    with in_store(store):
        return list(Review.objects.order_by("id").values_list("product_id", "rating", "body"))


def json_ld(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def test_a_buyer_reviews_each_product_of_a_fulfilled_order_once_from_the_order_page(client, store_a):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert page.count(f'action="/orders/{order.token}/reviews/"') == 2
    assert f'name="product" value="{lamp.pk}"' in page and f'name="product" value="{mug.pk}"' in page
    assert "csrfmiddlewaretoken" in page

    response = post_review(client, store_a, order, lamp, rating="4", body="  Bright and warm.  ")
    assert (response.status_code, response["Location"]) == (302, f"/orders/{order.token}/#reviews")
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "You rated it 4 out of 5. “Bright and warm.” Thank you!" in page
    assert page.count(f'action="/orders/{order.token}/reviews/"') == 1
    with in_store(store_a):
        review = Review.objects.get()
        line = order.lines.get(variant__product=lamp)
        assert (review.product_id, review.order_id, review.order_line_id) == (lamp.pk, order.pk, line.pk)
        assert (review.rating, review.body, review.author_name) == (4, "Bright and warm.", "Sam")
        assert review.is_hidden is False


def test_the_whole_way_from_paying_on_stripe_to_a_review(client, store_a, sandbox_server):
    order = paid_order(client, store_a)
    with in_store(store_a):
        fulfil_order(order=order, carrier="UPS", tracking_number="1Z999")
        tent = order.lines.get().variant.product
    assert post_review(client, store_a, order, tent, rating="5", body="Kept us dry.").status_code == 302
    assert reviews_in(store_a) == [(tent.pk, 5, "Kept us dry.")]


@pytest.mark.parametrize("status", ["pending_payment", "paid", "cancelled"])
def test_an_order_not_yet_fulfilled_cannot_be_reviewed(client, store_a, status):
    (lamp,) = make_products(store_a, "Lamp")
    order = make_order(store_a, [lamp], status=status)
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Review your purchase" not in page
    response = post_review(client, store_a, order, lamp)
    assert response.status_code == 409
    assert "You can review this order&#x27;s products once it has been sent." in response.content.decode()
    assert reviews_in(store_a) == []


def test_a_second_review_of_the_same_product_and_order_is_refused(client, store_a):
    (lamp,) = make_products(store_a, "Lamp")
    order = make_order(store_a, [lamp])
    assert post_review(client, store_a, order, lamp, rating="5", body="First").status_code == 302
    again = post_review(client, store_a, order, lamp, rating="1", body="Second")
    assert again.status_code == 409
    assert "You have already reviewed this product for this order." in again.content.decode()
    assert reviews_in(store_a) == [(lamp.pk, 5, "First")]


def test_the_same_product_bought_again_in_another_order_can_be_reviewed_again(client, store_a):
    (lamp,) = make_products(store_a, "Lamp")
    first, second = make_order(store_a, [lamp]), make_order(store_a, [lamp])
    assert post_review(client, store_a, first, lamp, rating="5").status_code == 302
    assert post_review(client, store_a, second, lamp, rating="3").status_code == 302
    assert [rating for _, rating, _ in reviews_in(store_a)] == [5, 3]


@pytest.mark.parametrize("rating", ["0", "6", "-1", "", "four", "4.5"])
def test_a_rating_outside_1_to_5_is_refused(client, store_a, rating):
    (lamp,) = make_products(store_a, "Lamp")
    order = make_order(store_a, [lamp])
    response = post_review(client, store_a, order, lamp, rating=rating, body="Keep this text")
    assert response.status_code == 400
    page = response.content.decode()
    assert '<p class="flash error" role="alert" id="review-error">Choose a rating from 1 to 5 stars.</p>' in page
    assert ">Keep this text</textarea>" in page  # the buyer's text is kept for the next try
    assert reviews_in(store_a) == []


def test_review_text_is_limited_to_2000_characters(client, store_a):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    too_long = post_review(client, store_a, order, lamp, body="x" * 2001)
    assert too_long.status_code == 400
    assert "Keep the review to 2,000 characters (this one has 2,001)." in too_long.content.decode()
    assert post_review(client, store_a, order, mug, body="y" * 2000).status_code == 302
    assert reviews_in(store_a) == [(mug.pk, 5, "y" * 2000)]


@pytest.mark.parametrize("which", ["other product", "not a number", "missing"])
def test_a_product_that_is_not_in_the_order_is_refused(client, store_a, which):
    lamp, other = make_products(store_a, "Lamp", "Not Bought")
    order = make_order(store_a, [lamp])
    data = {"rating": "5", "body": "Hm"}
    data |= {"other product": {"product": other.pk}, "not a number": {"product": "1 OR 1=1"}, "missing": {}}[which]
    response = client.post(f"/orders/{order.token}/reviews/", data, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "This product is not part of this order." in response.content.decode()
    assert reviews_in(store_a) == []


def test_an_unknown_order_token_is_not_found_and_get_is_not_allowed(client, store_a):
    (lamp,) = make_products(store_a, "Lamp")
    order = make_order(store_a, [lamp])
    data = {"product": lamp.pk, "rating": "5"}
    assert client.post("/orders/not-a-token/reviews/", data, HTTP_HOST=host_of(store_a)).status_code == 404
    assert client.get(f"/orders/{order.token}/reviews/", HTTP_HOST=host_of(store_a)).status_code == 405
    assert reviews_in(store_a) == []


def test_the_product_page_shows_the_average_count_reviews_and_json_ld_of_visible_reviews(client, store_a):
    (lamp,) = make_products(store_a, "Lamp")
    page = client.get("/products/lamp/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'id="product-rating"' not in page and 'id="reviews"' not in page
    assert "aggregateRating" not in json_ld(page)
    for rating, name in (("5", "Ana Lopez"), ("4", "Bo"), ("2", "Cy")):
        post_review(
            client, store_a, make_order(store_a, [lamp], ship_name=name), lamp, rating=rating, body=f"by {name}"
        )
    with in_store(store_a):
        Review.objects.filter(rating=2).update(is_hidden=True)  # a hidden review counts nowhere

    page = client.get("/products/lamp/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<a href="#reviews">Rated 4.5 out of 5 (2 reviews)</a>' in page
    assert "5 out of 5 — Ana," in page and "4 out of 5 — Bo," in page
    assert "by Cy" not in page
    assert json_ld(page)["aggregateRating"] == {
        "@type": "AggregateRating", "ratingValue": "4.5", "reviewCount": 2, "bestRating": 5, "worstRating": 1,
    }  # fmt: skip


def test_review_text_is_plain_text_everywhere(client, store_a, owner_a):
    (lamp,) = make_products(store_a, "Lamp")
    order = make_order(store_a, [lamp])
    post_review(client, store_a, order, lamp, body='<script>alert("x")</script><b>bold</b>')
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
    for page in (
        Client().get("/products/lamp/", HTTP_HOST=host_of(store_a)).content.decode(),
        client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode(),
    ):
        assert escaped in page and "<script>alert" not in page
    sign_in_on(client, owner_a, store_a)
    dashboard = client.get("/dashboard/reviews/", HTTP_HOST=host_of(store_a)).content.decode()
    assert escaped in dashboard and "<script>alert" not in dashboard


def test_cached_product_pages_show_a_new_review_and_drop_a_hidden_one(client, store_a, owner_a,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    (lamp,) = make_products(store_a, "Lamp")
    order = make_order(store_a, [lamp])
    visitor = Client()
    assert visitor.get("/products/lamp/", HTTP_HOST=host_of(store_a))["X-Page-Cache"] == "miss"
    cached = visitor.get("/products/lamp/", HTTP_HOST=host_of(store_a))
    assert cached["X-Page-Cache"] == "hit" and "Rated" not in cached.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert post_review(Client(), store_a, order, lamp, rating="3").status_code == 302
    fresh = visitor.get("/products/lamp/", HTTP_HOST=host_of(store_a))
    assert fresh["X-Page-Cache"] == "miss"
    assert "Rated 3.0 out of 5 (1 review)" in fresh.content.decode()

    sign_in_on(client, owner_a, store_a)
    with in_store(store_a):
        review = Review.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        hide = client.post(f"/dashboard/reviews/{review.pk}/visibility/", {"hidden": "1"}, HTTP_HOST=host_of(store_a))
    assert (hide.status_code, hide["Location"]) == (302, "/dashboard/reviews/")
    after = visitor.get("/products/lamp/", HTTP_HOST=host_of(store_a))
    assert after["X-Page-Cache"] == "miss" and "Rated" not in after.content.decode()


def test_a_manager_hides_and_shows_a_review_from_the_dashboard(client, store_a):
    (lamp,) = make_products(store_a, "Lamp")
    post_review(client, store_a, make_order(store_a, [lamp]), lamp, rating="2", body="Flickers")
    with in_store(store_a):
        review = Review.objects.get()
    manager = make_user("manager@alpha.test")
    add_member(store_a, manager, "manager")
    sign_in_on(client, manager, store_a)
    listing = client.get("/dashboard/reviews/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<a href="/dashboard/reviews/">Reviews</a>' in listing
    assert "Average 2.0 out of 5 over 1 visible review." in listing and "Flickers" in listing
    assert '<input type="hidden" name="hidden" value="1"><button>Hide</button>' in listing

    client.post(f"/dashboard/reviews/{review.pk}/visibility/", {"hidden": "1"}, HTTP_HOST=host_of(store_a))
    with in_store(store_a):
        review.refresh_from_db()
        assert (review.is_hidden, review.hidden_at is not None) == (True, True)
    listing = client.get("/dashboard/reviews/?show=hidden", HTTP_HOST=host_of(store_a)).content.decode()
    assert "No visible reviews yet." in listing and "Flickers" in listing and "<button>Show</button>" in listing
    assert "Flickers" not in client.get("/dashboard/reviews/?show=visible", HTTP_HOST=host_of(store_a)).content.decode()

    client.post(f"/dashboard/reviews/{review.pk}/visibility/", {"hidden": "0"}, HTTP_HOST=host_of(store_a))
    with in_store(store_a):
        review.refresh_from_db()
        assert (review.is_hidden, review.hidden_at) == (False, None)


def test_staff_cannot_open_the_reviews_page(client, store_a):
    staff = make_user("packer@alpha.test")
    add_member(store_a, staff, "staff")
    sign_in_on(client, staff, store_a)
    assert client.get("/dashboard/reviews/", HTTP_HOST=host_of(store_a)).status_code == 403
    home = client.get("/dashboard/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<a href="/dashboard/reviews/">' not in home and '<a href="/dashboard/inbox/">Inbox</a>' in home


def test_the_store_rating_averages_visible_reviews_only(client, store_a, store_b):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    with in_store(store_a):
        assert selectors.store_rating() == selectors.Rating(average=None, count=0)
    order = make_order(store_a, [lamp, mug])
    post_review(client, store_a, order, lamp, rating="5")
    post_review(client, store_a, order, mug, rating="4")
    post_review(client, store_a, make_order(store_a, [mug]), mug, rating="4")
    post_review(client, store_a, make_order(store_a, [lamp]), lamp, rating="1")
    with in_store(store_a):
        Review.objects.filter(rating=1).update(is_hidden=True)
        assert selectors.store_rating() == selectors.Rating(average=Decimal("4.3"), count=3)
        assert selectors.product_rating(mug.pk) == selectors.Rating(average=Decimal("4.0"), count=2)
    with in_store(store_b):
        assert selectors.store_rating() == selectors.Rating(average=None, count=0)


def test_another_store_never_sees_or_hides_store_a_reviews(client, store_a, store_b):
    (lamp_a,) = make_products(store_a, "Lamp")
    (lamp_b,) = make_products(store_b, "Lamp")  # the same slug in both stores
    order_a = make_order(store_a, [lamp_a])
    post_review(client, store_a, order_a, lamp_a, rating="5", body="Only in A")
    with in_store(store_a):
        review = Review.objects.get()

    page_b = client.get("/products/lamp/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "Only in A" not in page_b and "Rated" not in page_b and "aggregateRating" not in json_ld(page_b)
    # A's order link means nothing on B's host.
    assert post_review(client, store_b, order_a, lamp_b).status_code == 404

    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    listing = client.get("/dashboard/reviews/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "No reviews yet." in listing and "Only in A" not in listing
    hide = client.post(f"/dashboard/reviews/{review.pk}/visibility/", {"hidden": "1"}, HTTP_HOST=host_of(store_b))
    assert hide.status_code == 404
    # B's owner holding a session on A's host is nobody there.
    sign_in_on(client, owner_b, store_a)
    hide = client.post(f"/dashboard/reviews/{review.pk}/visibility/", {"hidden": "1"}, HTTP_HOST=host_of(store_a))
    assert hide.status_code == 403
    with in_store(store_a):
        assert Review.objects.get().is_hidden is False
    assert reviews_in(store_b) == []


def test_a_product_deleted_after_the_order_is_simply_not_offered(client, store_a):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    with in_store(store_a):
        order.lines.filter(variant__product=mug).update(variant=None)
        assert Order.objects.get(pk=order.pk).lines.count() == 2
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert page.count(f'action="/orders/{order.token}/reviews/"') == 1
    assert post_review(client, store_a, order, mug).status_code == 400
