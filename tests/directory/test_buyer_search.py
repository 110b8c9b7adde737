"""The search page for a signed-in marketplace buyer: the stores they follow rise among equal matches (never over a
better text match), their saved products and followed stores are marked; a visitor's results are unchanged."""

import re

from django.test import Client

from platform.buyers.services import favourite_product, follow_store
from platform.directory.models import Listing
from tests.directory.test_ranking import _corpus
from tests.platform.buyers.support import PLATFORM, make_buyer, sign_in_buyer

ANONYMOUS_ORDER = ["Walnut Serving Board", "Walnut Cutting Board", "Oak Salad Spoon", "Linen Kitchen Towel"]
CARD = re.compile(
    r'<li class="card" data-store="([^"]+)" data-product="(\d+)">(.*?)</li>\s*(?=<li class="card"|</ul>)', re.S
)


def _cards(client: Client, query: str = "walnut") -> list[tuple[str, str]]:
    """(title, the card's html) of each result on the search page, in order."""
    page = client.get("/search", {"q": query}, HTTP_HOST=PLATFORM).content.decode()
    results = page.split('<ul class="grid" id="results">', 1)[1]
    titles = {(row.store_slug, str(row.product_id)): row.title for row in Listing.objects.all()}
    return [(titles[store, product_id], html) for store, product_id, html in CARD.findall(results)]


def _titles(client: Client, query: str = "walnut") -> list[str]:
    return [title for title, _ in _cards(client, query)]


def _json_titles(client: Client) -> list[str]:
    return [hit["title"] for hit in client.get("/search.json", {"q": "walnut"}, HTTP_HOST=PLATFORM).json()["results"]]


def _signed_in(email: str) -> Client:
    client = Client()
    assert sign_in_buyer(client, email=email).status_code == 302
    return client


def test_following_a_store_reorders_equal_matches_only_and_a_visitors_order_is_unchanged(db, store_a, store_b):
    _corpus(store_a, store_b)
    visitor = Client()
    assert _titles(visitor) == ANONYMOUS_ORDER

    follows_b = make_buyer(email="b-fan@example.com")
    follow_store(buyer=follows_b, store=store_b)
    fan = _signed_in("b-fan@example.com")
    # B's title match overtakes A's equal title match; B's tag match stays under both titles, A's description last.
    assert _titles(fan) == ["Walnut Cutting Board", "Walnut Serving Board", "Oak Salad Spoon", "Linen Kitchen Towel"]

    follows_a = make_buyer(email="a-fan@example.com")
    follow_store(buyer=follows_a, store=store_a)
    # A already led its equal match; following it never lifts its description match over B's tag and titles.
    assert _titles(_signed_in("a-fan@example.com")) == ANONYMOUS_ORDER

    # A buyer who follows nothing, and the visitor again (after the fan's searches), see the visitor's order.
    make_buyer(email="nobody@example.com")
    assert _titles(_signed_in("nobody@example.com")) == ANONYMOUS_ORDER
    assert _titles(visitor) == ANONYMOUS_ORDER


def test_the_results_mark_the_buyers_saved_products_and_followed_stores_only(db, store_a, store_b):
    _corpus(store_a, store_b)
    board = Listing.objects.get(title="Walnut Serving Board")
    pat = make_buyer(email="pat@example.com")
    follow_store(buyer=pat, store=store_b)
    favourite_product(buyer=pat, store=store_a, product_id=board.product_id)

    cards = dict(_cards(_signed_in("pat@example.com")))
    assert 'class="favourite-saved"' in cards["Walnut Serving Board"]
    assert 'class="follow-link"' in cards["Walnut Serving Board"]  # A is not followed
    for title in ("Walnut Cutting Board", "Oak Salad Spoon"):
        assert '<span class="following">Following</span>' in cards[title]
        assert 'class="favourite-link"' in cards[title]
    assert 'class="favourite-saved"' not in cards["Linen Kitchen Towel"]

    # Another buyer and a visitor see none of Pat's marks.
    make_buyer(email="sam@example.com")
    for client in (_signed_in("sam@example.com"), Client()):
        for title, html in _cards(client):
            assert 'class="favourite-saved"' not in html and 'class="following"' not in html, title


def test_the_json_search_ranks_for_the_signed_in_buyer_too(db, store_a, store_b):
    _corpus(store_a, store_b)
    pat = make_buyer(email="pat@example.com")
    follow_store(buyer=pat, store=store_b)
    assert _json_titles(_signed_in("pat@example.com"))[:2] == ["Walnut Cutting Board", "Walnut Serving Board"]
    assert _json_titles(Client()) == ANONYMOUS_ORDER
