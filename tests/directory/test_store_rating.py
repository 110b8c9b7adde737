"""A store's rating in the directory follows its visible reviews, fed like every other change (outbox → drain)."""

from decimal import Decimal

from platform.directory.models import DirectoryStore
from storefront.directory_feed.services import drain_outbox
from storefront.reviews.models import Review
from storefront.reviews.services import set_review_hidden
from tests.storefront.checkout.support import in_store
from tests.storefront.reviews.support import make_order, make_products, post_review


def test_reviews_reach_the_store_card_and_a_hidden_one_stops_counting(client, store_a, store_b):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    post_review(client, store_a, order, lamp, rating="5")
    post_review(client, store_a, order, mug, rating="2")
    with in_store(store_a):
        drain_outbox()
    assert DirectoryStore.objects.get(pk=store_a.pk).rating == Decimal("3.50")
    stores_page = client.get("/directory/stores/", HTTP_HOST="localhost").content.decode()
    assert "rated 3.50" in stores_page
    with in_store(store_a):
        set_review_hidden(review=Review.objects.get(product=mug), hidden=True)
        drain_outbox()
    assert DirectoryStore.objects.get(pk=store_a.pk).rating == Decimal("5.00")
    card_b = DirectoryStore.objects.filter(pk=store_b.pk).first()
    assert card_b is None or card_b.rating is None
