"""The reputation: figures from a fixed set of events, hand-computed; shown on the store, the dashboard, the directory."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from platform.directory.models import DirectoryStore
from storefront.inbox.models import ContactMessage, Conversation
from storefront.orders.models import Order, OrderEvent, Shipment
from storefront.reviews.models import Review
from storefront.reviews.reputation import compute_figures, refresh_reputation
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.reviews.support import make_order, make_products

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def _order(store, product, *, paid_ago, shipped_after=None, status="fulfilled", cancelled=False):
    now = timezone.now()
    order = make_order(store, [product], status=status)
    with in_store(store):
        paid_at = None if paid_ago is None else now - paid_ago
        Order.objects.filter(pk=order.pk).update(paid_at=paid_at, cancelled_at=now if cancelled else None)
        if shipped_after is not None:
            shipment = Shipment.objects.create(
                order=order, request_key=f"ship-{order.pk}", carrier="UPS", tracking_number=f"1Z{order.pk}"
            )
            Shipment.objects.filter(pk=shipment.pk).update(created_at=paid_at + shipped_after)
        if cancelled:
            OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CANCELLED, message="by the store")
    return order


def _review(store, order, product, rating, *, ago=DAY, hidden=False):
    with in_store(store):
        review = Review.objects.create(
            product=product, order=order, order_line=order.lines.get(), rating=rating, body="", is_hidden=hidden
        )
        Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - ago)


def _thread(store, email, *events):
    """``events``: (author, how long ago) pairs, oldest first."""
    now = timezone.now()
    with in_store(store):
        conversation = Conversation.objects.create(email=email, name="B", subject="Hi", last_message_at=now)
        for author, ago in events:
            message = ContactMessage.objects.create(conversation=conversation, author=author, message="…")
            ContactMessage.objects.filter(pk=message.pk).update(created_at=now - ago)


BUYER, SELLER = ContactMessage.Author.BUYER, ContactMessage.Author.SELLER


def fixed_events(store):
    """The fixed set of events the figures below are hand-computed from."""
    products = make_products(store, "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8")
    # Shipping, 3 days of handling: O1 in 1 day (on time), O2 in 5 days (late), O3 in exactly 3 days (on time),
    # O4 unsent 10 days after payment (late), O5 unsent 1 day after (not counted yet), O6 cancelled (not
    # counted here), O7 paid 400 days ago (outside the window), O8 never paid.
    o1 = _order(store, products[0], paid_ago=10 * DAY, shipped_after=DAY)
    o2 = _order(store, products[1], paid_ago=20 * DAY, shipped_after=5 * DAY)
    o3 = _order(store, products[2], paid_ago=30 * DAY, shipped_after=3 * DAY)
    _order(store, products[3], paid_ago=10 * DAY, status="paid")
    _order(store, products[4], paid_ago=DAY, status="paid")
    _order(store, products[5], paid_ago=15 * DAY, status="cancelled", cancelled=True)
    o7 = _order(store, products[6], paid_ago=400 * DAY, shipped_after=10 * DAY)
    _order(store, products[7], paid_ago=None, status="pending_payment")
    # Reviews: 5 and 4 count; a hidden 1 and a 1 written 400 days ago don't.
    _review(store, o1, products[0], 5)
    _review(store, o3, products[2], 4)
    _review(store, o2, products[1], 1, hidden=True)
    _review(store, o7, products[6], 1, ago=400 * DAY)
    # Messages: waits of 60 (two buyer messages, one wait), 30 and 240 minutes; one unanswered; one too old.
    _thread(
        store, "one@example.com",
        (BUYER, 5 * DAY), (BUYER, 5 * DAY - 10 * MINUTE), (SELLER, 5 * DAY - 60 * MINUTE),
        (BUYER, 3 * DAY), (SELLER, 3 * DAY - 30 * MINUTE),
    )  # fmt: skip
    _thread(store, "two@example.com", (BUYER, 2 * DAY), (SELLER, 2 * DAY - 240 * MINUTE), (BUYER, DAY))
    _thread(store, "old@example.com", (BUYER, 400 * DAY), (SELLER, 400 * DAY - 5 * MINUTE))


def test_the_figures_from_a_fixed_set_of_events(store_a):
    fixed_events(store_a)
    with in_store(store_a):
        figures = compute_figures()
    # Reviews (5 + 4) / 2; on time 2 of O1-O4; median of 30, 60, 240; cancelled 1 of the 6 orders paid in the window.
    assert (figures.review_average, figures.review_count) == (Decimal("4.5"), 2)
    assert (figures.on_time_percent, figures.shipped_counted) == (Decimal("50.0"), 4)
    assert (figures.median_response_minutes, figures.responses_counted) == (60, 3)
    assert (figures.cancellation_percent, figures.orders_counted) == (Decimal("16.7"), 6)


def test_the_store_page_the_directory_and_the_seller_show_the_figures_and_their_events(client, store_a, store_b):
    fixed_events(store_a)
    with in_store(store_a):
        refresh_reputation()
    page = client.get("/reputation/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "4.5 out of 5 from 2 reviews" in page and "50.0% of 4 orders" in page
    assert "60 minutes over 3 answers" in page and "16.7% of 6 paid orders" in page
    assert "How this is calculated" in page and "within 3 days of payment" in page
    home = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<a href="/reputation/" id="reputation-link">How this is calculated</a>' in home

    card = DirectoryStore.objects.get(pk=store_a.pk)
    assert (card.rating, card.review_count, card.on_time_percent) == (Decimal("4.5"), 2, Decimal("50.0"))
    assert (card.median_response_minutes, card.cancellation_percent) == (60, Decimal("16.7"))
    stores_page = client.get("/directory/stores/", HTTP_HOST="localhost").content.decode()
    shown = stores_page.split(f'id="reputation-{store_a.slug}"')[1].split("</dl>")[0]
    assert "4.50 out of 5 from 2 reviews" in shown and "50.0%" in shown and "60 min" in shown and "16.7%" in shown
    # Store B computed nothing: its card and page show no figure of A's.
    card_b = DirectoryStore.objects.filter(pk=store_b.pk).first()
    assert card_b is None or (card_b.on_time_percent, card_b.review_count) == (None, 0)
    assert "50.0%" not in client.get("/reputation/", HTTP_HOST=host_of(store_b)).content.decode()

    seller = make_user("seller@alpha.test")
    add_member(store_a, seller, "owner")
    sign_in_on(client, seller, store_a)
    dashboard = client.get("/dashboard/reputation/", HTTP_HOST=host_of(store_a)).content.decode()
    assert dashboard.count('class="reputation-review"') == 2
    assert dashboard.count('class="reputation-shipping"') == 4
    assert dashboard.count('class="reputation-response"') == 3
    assert dashboard.count('class="reputation-order"') == 6
    # B's seller, on B's host, sees B's (empty) events only.
    other = make_user("seller@beta.test")
    add_member(store_b, other, "owner")
    sign_in_on(client, other, store_b)
    dashboard_b = client.get("/dashboard/reputation/", HTTP_HOST=host_of(store_b)).content.decode()
    assert 'class="reputation-review"' not in dashboard_b and 'class="reputation-order"' not in dashboard_b
