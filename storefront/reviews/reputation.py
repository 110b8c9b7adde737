"""A store's reputation: figures computed from its own published events, the events behind them, and the refresh.

Every figure covers the last WINDOW_DAYS days (docs/storefront.md, "Reputation"):

- review average and count: the visible reviews written in the window;
- shipped on time: of the paid orders in the window that were sent, or are past the handling time unsent (and not
  cancelled), the share whose first parcel left with a tracking number within HANDLING_DAYS of payment;
- response time: the median, over the buyer messages in the window that opened a wait (the first buyer message
  after the seller's last word) and got an answer, of the time to the seller's next message;
- cancellation rate: of the orders paid in the window, the share the store cancelled after payment.

The figures are kept in ReputationFigures and copied to the directory by ``refresh_reputation``, which a task runs
in the store's own schema after an order ships or is cancelled, a review is written or hidden, or a message
answered (debounced: a burst of events costs one refresh).
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from platform.directory.ranking import RECENT_SALES_DAYS
from platform.directory.services import write_reputation
from platform.kit import request_memo
from platform.kit.queueing import nudge_store
from storefront.inbox.models import ContactMessage
from storefront.orders.models import Order, OrderEvent
from tenants.connection import connection
from tenants.models import Store

from .models import ReputationFigures, Review
from .selectors import WINDOW_DAYS, counted_reviews, store_rating

HANDLING_DAYS = 3
REFRESH_TASK = "reviews.refresh_reputation"
# A refresh asked for while one is pending is not sent again for this long (the debounce).
DEBOUNCE_SECONDS = 30
# The footer's figures move slowly; five minutes of staleness is fine and keeps them off every page's query count.
REPUTATION_SECONDS = 300
_KEY = "storefront:reputation"


@dataclass(frozen=True)
class Reputation:
    rating: Decimal | None
    review_count: int
    order_count: int
    selling_since: datetime | None
    on_time_percent: Decimal | None = None
    median_response_minutes: int | None = None
    cancellation_percent: Decimal | None = None


@dataclass
class ReputationEvents:
    """What each figure was computed from, for the seller's dashboard page."""

    reviews: list[Review] = field(default_factory=list)
    # (order, first shipment time or None, on time?)
    shipping: list[tuple[Order, datetime | None, bool]] = field(default_factory=list)
    # (buyer message, the answer's time, minutes waited)
    responses: list[tuple[ContactMessage, datetime, int]] = field(default_factory=list)
    # (order, cancelled by the store?)
    orders: list[tuple[Order, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class Figures:
    review_average: Decimal | None
    review_count: int
    on_time_percent: Decimal | None
    shipped_counted: int
    median_response_minutes: int | None
    responses_counted: int
    cancellation_percent: Decimal | None
    orders_counted: int


def _percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def reputation_events(*, now: datetime | None = None) -> ReputationEvents:
    """Every event counted by the current store's figures, read from its schema."""
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    handling = timedelta(days=HANDLING_DAYS)
    events = ReputationEvents()
    events.reviews = list(counted_reviews(now=now))
    paid = list(
        Order.objects.filter(paid_at__gte=since, paid_at__lte=now)
        .annotate(first_shipped_at=Min("shipments__created_at"))
        .order_by("paid_at", "id")
    )
    cancelled_ids = set(
        OrderEvent.objects.filter(order__in=paid, kind=OrderEvent.Kind.CANCELLED).values_list("order_id", flat=True)
    )
    for order in paid:
        paid_at = order.paid_at
        assert paid_at is not None  # filtered on it above
        cancelled = order.pk in cancelled_ids or order.status == Order.Status.CANCELLED
        events.orders.append((order, cancelled))
        if cancelled:
            continue
        shipped_at = order.first_shipped_at
        # An order still inside its handling time and unsent is neither on time nor late yet.
        if shipped_at is None and paid_at + handling > now:
            continue
        on_time = shipped_at is not None and shipped_at - paid_at <= handling
        events.shipping.append((order, shipped_at, on_time))
    messages = ContactMessage.objects.filter(created_at__lte=now).order_by("conversation_id", "created_at", "id")
    waiting: ContactMessage | None = None
    conversation_id = None
    for message in messages.iterator():
        if message.conversation_id != conversation_id:
            conversation_id, waiting = message.conversation_id, None
        if message.author == ContactMessage.Author.BUYER:
            if waiting is None:
                waiting = message
        elif waiting is not None:
            if waiting.created_at >= since:
                minutes = int((message.created_at - waiting.created_at).total_seconds() // 60)
                events.responses.append((waiting, message.created_at, minutes))
            waiting = None
    return events


def compute_figures(*, now: datetime | None = None) -> Figures:
    events = reputation_events(now=now)
    rating = store_rating(now=now)
    minutes = [waited for _, _, waited in events.responses]
    return Figures(
        review_average=rating.average,
        review_count=rating.count,
        on_time_percent=_percent(sum(1 for *_, on_time in events.shipping if on_time), len(events.shipping)),
        shipped_counted=len(events.shipping),
        median_response_minutes=int(statistics.median(minutes)) if minutes else None,
        responses_counted=len(minutes),
        cancellation_percent=_percent(sum(1 for _, cancelled in events.orders if cancelled), len(events.orders)),
        orders_counted=len(events.orders),
    )


def recent_orders(*, now: datetime | None = None) -> int:
    """Orders paid in the last RECENT_SALES_DAYS days and not cancelled: the "recent sales" the ranking weighs."""
    now = now or timezone.now()
    return (
        Order.objects.filter(paid_at__gt=now - timedelta(days=RECENT_SALES_DAYS), paid_at__lte=now)
        .exclude(status=Order.Status.CANCELLED)
        .count()
    )


def refresh_reputation(*, now: datetime | None = None) -> ReputationFigures:
    """Recompute the current store's figures, keep them, and feed them and its recent sales to the directory
    (one transaction)."""
    figures = compute_figures(now=now)
    sales = recent_orders(now=now)
    with transaction.atomic():
        saved, _ = ReputationFigures.objects.update_or_create(
            pk=1, defaults={**figures.__dict__, "computed_at": now or timezone.now()}
        )
        store = Store.objects.filter(schema_name=connection.schema_name).first()
        if store is not None:
            write_reputation(
                store=store,
                rating=figures.review_average,
                review_count=figures.review_count,
                on_time_percent=figures.on_time_percent,
                median_response_minutes=figures.median_response_minutes,
                cancellation_percent=figures.cancellation_percent,
                recent_orders=sales,
            )
    cache.delete(_KEY)
    return saved


def request_refresh(schema_name: str | None = None) -> None:
    """Ask for this store's reputation to be recomputed once the current transaction commits (debounced)."""
    transaction.on_commit(partial(_send_refresh, schema_name or connection.schema_name), robust=True)


def _send_refresh(schema_name: str) -> None:
    if cache.add(f"reputation:pending:{schema_name}", 1, timeout=DEBOUNCE_SECONDS):
        nudge_store(REFRESH_TASK, schema_name=schema_name, what="a reputation refresh")


def clear_pending_refresh() -> None:
    # The task clears it before computing: an event during the computation asks for (and gets) one more.
    cache.delete(f"reputation:pending:{connection.schema_name}")


def store_reputation() -> Reputation:
    return request_memo.remember(f"{_KEY}:{connection.schema_name}", _load)


def _load() -> Reputation:
    found = cache.get(_KEY)
    if found is None:
        rating = store_rating()
        orders = Order.objects.exclude(status__in=[Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED]).count()
        store = getattr(connection, "tenant", None)
        kept = ReputationFigures.objects.filter(pk=1).first()
        found = Reputation(
            rating.average,
            rating.count,
            orders,
            getattr(store, "created_at", None),
            on_time_percent=kept.on_time_percent if kept else None,
            median_response_minutes=kept.median_response_minutes if kept else None,
            cancellation_percent=kept.cancellation_percent if kept else None,
        )
        cache.set(_KEY, found, REPUTATION_SECONDS)
    return found


# A payment is a recent sale (the ranking counts them); the others move the reputation's figures.
_ORDER_KINDS_COUNTED = {
    OrderEvent.Kind.PAID,
    OrderEvent.Kind.SHIPPED,
    OrderEvent.Kind.FULFILLED,
    OrderEvent.Kind.CANCELLED,
}


def refresh_after_order_event(order: Order, kind: str) -> None:
    if kind in _ORDER_KINDS_COUNTED:
        request_refresh()


def refresh_after_answer(answer: ContactMessage) -> None:
    request_refresh()
