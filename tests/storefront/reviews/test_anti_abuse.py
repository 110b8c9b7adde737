"""Anti-abuse for reviews and messages: the link and blocked-word filter, and blocking a buyer in one store."""

import html

import pytest

from platform.kit.content_filter import LINK_ERROR, WORD_ERROR
from storefront.customers.models import BlockedBuyer
from storefront.customers.selectors import BLOCKED_MESSAGE
from storefront.inbox.models import ContactMessage, Conversation
from storefront.inbox.services import reply_as_buyer
from storefront.reviews.models import Review
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.reviews.support import make_order, make_products, post_review

SAM = "sam@example.com"  # the buyer of every order made by make_order


def contact(client, store, ip: str, **fields):
    message = {"name": "Sam", "email": SAM, "subject": "Question", "message": "Is it blue?", **fields}
    return client.post("/contact/", message, HTTP_HOST=host_of(store), REMOTE_ADDR=ip)


def reviews_of(store) -> int:
    with in_store(store):
        return Review.objects.count()


def messages_of(store) -> int:
    with in_store(store):
        return ContactMessage.objects.count()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("Great, see https://cheap.example/deal", LINK_ERROR),
        ("More at www.elsewhere.test", LINK_ERROR),
        ("buy at bestdeals.com now", LINK_ERROR),
        ("Best CASINO bonus", WORD_ERROR.format(word="CASINO")),
    ],
)
def test_a_review_with_a_link_or_a_blocked_word_is_refused_with_a_clear_error(client, store_a, body, error):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    response = post_review(client, store_a, order, lamp, body=body)
    assert response.status_code == 400
    assert html.escape(error) in response.content.decode()
    assert reviews_of(store_a) == 0
    # Words that merely contain a blocked one, and plain text, pass.
    assert post_review(client, store_a, order, mug, body="A classic, escorted by good service.").status_code == 302
    assert reviews_of(store_a) == 1


def test_a_message_with_a_blocked_word_is_refused_with_a_clear_error(client, store_a):
    response = contact(client, store_a, "10.0.0.1", message="Cheap viagra here")
    assert response.status_code == 400
    assert html.escape(WORD_ERROR.format(word="viagra")) in response.content.decode()
    assert messages_of(store_a) == 0
    assert contact(client, store_a, "10.0.0.2").status_code == 302
    assert messages_of(store_a) == 1


def test_a_blocked_buyer_can_neither_review_nor_message_that_store_and_other_stores_are_unaffected(
    client, store_a, store_b
):
    [lamp] = make_products(store_a, "Lamp")
    order_a = make_order(store_a, [lamp])
    [book] = make_products(store_b, "Book")
    order_b = make_order(store_b, [book])
    assert contact(client, store_a, "10.0.1.1").status_code == 302  # a thread from before the block
    seller = make_user("owner@alpha.test")
    add_member(store_a, seller, "owner")
    sign_in_on(client, seller, store_a)
    blocked = client.post(
        "/dashboard/blocked-buyers/", {"email": "SAM@example.com", "reason": "Insults"}, HTTP_HOST=host_of(store_a)
    )
    assert blocked.status_code == 302
    page = client.get("/dashboard/blocked-buyers/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'data-email="SAM@example.com"' in page

    refused = post_review(client, store_a, order_a, lamp)
    assert refused.status_code == 403 and BLOCKED_MESSAGE in html.unescape(refused.content.decode())
    message = contact(client, store_a, "10.0.1.2")
    assert message.status_code == 400 and BLOCKED_MESSAGE in html.unescape(message.content.decode())
    with in_store(store_a):
        thread = Conversation.objects.get()
        with pytest.raises(Exception, match="no longer accepts"):
            reply_as_buyer(store=store_a, conversation=thread, message="Hello again", ip_address=None, site_url="")
    assert (reviews_of(store_a), messages_of(store_a)) == (0, 1)

    # Store B never blocked Sam: both still work there.
    assert post_review(client, store_b, order_b, book).status_code == 302
    assert contact(client, store_b, "10.0.1.3").status_code == 302
    assert (reviews_of(store_b), messages_of(store_b)) == (1, 1)

    # B's seller sees none of A's blocks and cannot lift one by its id.
    other = make_user("owner@beta.test")
    add_member(store_b, other, "owner")
    sign_in_on(client, other, store_b)
    with in_store(store_a):
        block_id = BlockedBuyer.objects.get().pk
    assert SAM not in client.get("/dashboard/blocked-buyers/", HTTP_HOST=host_of(store_b)).content.decode().lower()
    lift = client.post(f"/dashboard/blocked-buyers/{block_id}/unblock/", HTTP_HOST=host_of(store_b))
    assert lift.status_code == 404
    with in_store(store_a):
        assert BlockedBuyer.objects.count() == 1

    # A's seller unblocks: Sam may review again.
    sign_in_on(client, seller, store_a)
    lifted = client.post(f"/dashboard/blocked-buyers/{block_id}/unblock/", HTTP_HOST=host_of(store_a))
    assert (lifted.status_code, lifted["Location"]) == (302, "/dashboard/blocked-buyers/")
    assert post_review(client, store_a, order_a, lamp).status_code == 302
    assert reviews_of(store_a) == 1


def test_blocking_needs_a_valid_email(client, store_a):
    seller = make_user("owner@alpha.test")
    add_member(store_a, seller, "owner")
    sign_in_on(client, seller, store_a)
    response = client.post("/dashboard/blocked-buyers/", {"email": "not an email"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400 and "Enter the buyer&#x27;s email address." in response.content.decode()
    with in_store(store_a):
        assert not BlockedBuyer.objects.exists()


REVIEW_LIMIT_MESSAGE = "You have posted several reviews in the last hour. Please try again later."


def test_reviews_are_rate_limited_per_buyer_and_per_ip_with_a_clear_429(client, store_a):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    for _ in range(10):  # refused attempts count too: a bad rating each time
        assert post_review(client, store_a, order, lamp, rating="0").status_code == 400
    refused = post_review(client, store_a, order, lamp)
    assert refused.status_code == 429
    assert REVIEW_LIMIT_MESSAGE in html.unescape(refused.content.decode())
    assert reviews_of(store_a) == 0
    # The same buyer from another address is still over the buyer's limit.
    other_ip = client.post(
        f"/orders/{order.token}/reviews/", {"product": mug.pk, "rating": "5", "body": "Nice."},
        HTTP_HOST=host_of(store_a), REMOTE_ADDR="203.0.113.9",
    )  # fmt: skip
    assert other_ip.status_code == 429
    assert reviews_of(store_a) == 0


def test_another_buyer_from_the_same_address_is_held_by_the_ip_limit(client, store_a):
    lamp = make_products(store_a, "Lamp")[0]
    first = make_order(store_a, [lamp])
    with in_store(store_a):
        second = make_order(store_a, [lamp])
        type(second).objects.filter(pk=second.pk).update(email="robin@example.com")
    for _ in range(10):
        assert post_review(client, store_a, first, lamp, rating="0").status_code == 400
    assert post_review(client, store_a, second, lamp).status_code == 429
    assert reviews_of(store_a) == 0


def test_store_bs_review_limit_is_separate_from_store_as(client, store_a, store_b):
    [lamp_a] = make_products(store_a, "Lamp")
    [lamp_b] = make_products(store_b, "Lamp")
    order_a = make_order(store_a, [lamp_a])
    order_b = make_order(store_b, [lamp_b])  # the same buyer's email, from the same address
    for _ in range(10):
        assert post_review(client, store_a, order_a, lamp_a, rating="0").status_code == 400
    assert post_review(client, store_a, order_a, lamp_a).status_code == 429
    assert post_review(client, store_b, order_b, lamp_b).status_code == 302
    assert (reviews_of(store_a), reviews_of(store_b)) == (0, 1)
