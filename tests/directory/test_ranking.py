"""Ranking: text match blended with the store's fed reputation and recent sales, and followed stores' boost."""

import math
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from platform.directory.models import DirectoryStore, Listing
from platform.directory.selectors import SearchParams, search
from platform.directory.services import write_reputation
from storefront.catalog.services import create_product
from storefront.orders.models import Order
from storefront.reviews.reputation import refresh_reputation
from tests.directory.conftest import drain
from tests.storefront.checkout.support import in_store
from tests.storefront.reviews.support import make_order, make_products


def _titles(result) -> list[str]:
    return [hit.title for hit in result.hits]


def _corpus(store_a, store_b) -> None:
    """A: a long-trusted, busy store; B: a new store with no reviews and no sales. Both sell walnut things."""
    with schema_context(store_a.schema_name):
        create_product(title="Walnut Serving Board", price="40.00")
        create_product(title="Linen Kitchen Towel", price="9.00", description="Dries walnut bowls without a scratch.")
    with schema_context(store_b.schema_name):
        create_product(title="Walnut Cutting Board", price="35.00")
        create_product(title="Oak Salad Spoon", price="12.00", tags=["Walnut"])
    drain(store_a)
    drain(store_b)
    write_reputation(store=store_a, rating=Decimal("4.9"), review_count=200, on_time_percent=Decimal("98.0"),
                     median_response_minutes=30, cancellation_percent=Decimal("1.0"), recent_orders=150)  # fmt: skip
    write_reputation(store=store_b, rating=None, review_count=0, on_time_percent=None, median_response_minutes=None,
                     cancellation_percent=None, recent_orders=0)  # fmt: skip


def test_the_store_score_is_the_documented_formula_and_reaches_every_listing(store_a, store_b):
    _corpus(store_a, store_b)
    # A: reviews shrunk towards 3.5 as if 5 more: (3.5*5 + 4.9*200) / 205; stars (x - 1) / 4; on time 0.98;
    # kept 0.99; reputation 0.6/0.25/0.15 of those; sales log(151)/log(101), capped at 1; score 0.7/0.3 of both.
    stars_a = ((3.5 * 5 + 4.9 * 200) / 205 - 1) / 4
    expected_a = round(0.7 * (0.6 * stars_a + 0.25 * 0.98 + 0.15 * 0.99) + 0.3 * 1.0, 4)
    # B: nothing counted: stars of the prior (3.5 - 1) / 4, the other inputs neutral 0.5, no sales.
    expected_b = round(0.7 * (0.6 * 0.625 + 0.25 * 0.5 + 0.15 * 0.5), 4)
    assert (expected_a, expected_b) == (0.9814, 0.4025)
    assert DirectoryStore.objects.get(pk=store_a.pk).store_score == expected_a
    assert set(Listing.objects.filter(store_id=store_a.pk).values_list("store_score", flat=True)) == {expected_a}
    assert set(Listing.objects.filter(store_id=store_b.pk).values_list("store_score", flat=True)) == {expected_b}


def test_a_fixed_corpus_ranks_in_the_exact_order_reputation_and_sales_give(store_a, store_b):
    _corpus(store_a, store_b)
    # Title matches first, the better store's before the new store's (same text rank); then B's tag match above
    # A's description match: the store's score reorders equal text matches, never a weaker field over a stronger.
    assert _titles(search(SearchParams(q="walnut"))) == [
        "Walnut Serving Board",
        "Walnut Cutting Board",
        "Oak Salad Spoon",
        "Linen Kitchen Towel",
    ]
    # The same reputations the other way round: B's board now leads.
    write_reputation(store=store_b, rating=Decimal("5.0"), review_count=500, on_time_percent=Decimal("100.0"),
                     median_response_minutes=5, cancellation_percent=Decimal("0.0"), recent_orders=400)  # fmt: skip
    write_reputation(store=store_a, rating=None, review_count=0, on_time_percent=None, median_response_minutes=None,
                     cancellation_percent=None, recent_orders=0)  # fmt: skip
    assert _titles(search(SearchParams(q="walnut")))[:2] == ["Walnut Cutting Board", "Walnut Serving Board"]


def test_followed_stores_passed_by_the_caller_rise_among_equal_matches_only(store_a, store_b):
    _corpus(store_a, store_b)
    # B's factor (1 + 0.5 * 0.4025) * 1.25 = 1.5016 now beats A's 1 + 0.5 * 0.9814 = 1.4907.
    boosted = search(SearchParams(q="walnut"), boost_store_ids=[store_b.pk])
    assert _titles(boosted) == [
        "Walnut Cutting Board",
        "Walnut Serving Board",
        "Oak Salad Spoon",
        "Linen Kitchen Towel",
    ]
    # Following A changes nothing A didn't already lead; an unknown id changes nothing at all.
    assert _titles(search(SearchParams(q="walnut"), boost_store_ids=[store_a.pk])) == _titles(
        search(SearchParams(q="walnut"))
    )
    assert _titles(search(SearchParams(q="walnut"), boost_store_ids=[999_999])) == _titles(
        search(SearchParams(q="walnut"))
    )


def test_the_reputation_refresh_feeds_the_recent_sales_it_counted_in_the_store(store_a, store_b):
    products = make_products(store_a, "Sale One", "Sale Two", "Sale Three", "Sale Four")
    now = timezone.now()
    # Paid 1 and 29 days ago count; 31 days ago is too old; a cancelled order never counts.
    for product, days, status in ((products[0], 1, "paid"), (products[1], 29, "fulfilled"),
                                  (products[2], 31, "fulfilled"), (products[3], 2, "cancelled")):  # fmt: skip
        order = make_order(store_a, [product], status=status)
        with in_store(store_a):
            Order.objects.filter(pk=order.pk).update(paid_at=now - timedelta(days=days))
    with in_store(store_a):
        refresh_reputation()
    card = DirectoryStore.objects.get(pk=store_a.pk)
    assert card.recent_orders == 2
    # No reviews (prior stars 0.625); none of the two sendable orders went out on time (0 %); 1 of 4 paid orders
    # cancelled (kept 0.75); sales log(3) / log(101).
    assert (card.on_time_percent, card.cancellation_percent) == (Decimal("0.0"), Decimal("25.0"))
    reputation = 0.6 * 0.625 + 0.25 * 0.0 + 0.15 * 0.75
    assert card.store_score == round(0.7 * reputation + 0.3 * math.log(3) / math.log(101), 4) == 0.4127
    # Store B's card (if any) carries none of A's sales.
    assert DirectoryStore.objects.filter(pk=store_b.pk, recent_orders__gt=0).count() == 0
