"""The beat's reputation refresh: each store recomputes in its own schema, so a figure the clock alone changes
(an unsent order passing its handling time) shows without a new event; a store's figures never take another's."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from platform.directory.models import DirectoryStore
from storefront.orders.models import Order
from storefront.reviews.models import ReputationFigures
from storefront.reviews.reputation import refresh_reputation
from storefront.reviews.tasks import dispatch_reputation_refreshes
from tests.storefront.checkout.support import in_store
from tests.storefront.reviews.support import make_order, make_products
from tests.storefront.reviews.test_moderation import committed_stores  # noqa: F401  (the fixture)
from tests.support import wait_until


def _kept(store) -> tuple[int, object, object]:
    with in_store(store):
        figures = ReputationFigures.objects.filter(pk=1).first()
        if figures is None:
            return (-1, None, None)
        return (figures.shipped_counted, figures.on_time_percent, figures.computed_at)


def test_the_beat_schedules_the_dispatch_hourly():
    [entry] = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
               if entry["task"] == "reviews.dispatch_reputation_refreshes"]  # fmt: skip
    assert float(entry["schedule"]) == 3600.0


def test_an_unsent_order_past_its_handling_time_counts_as_late_after_the_scheduled_refresh(
    committed_stores,  # noqa: F811
    celery_worker,
):
    store_a, store_b = committed_stores
    [lamp] = make_products(store_a, "Scheduled Lamp")
    order = make_order(store_a, [lamp], status="paid")
    with in_store(store_a):
        # Paid two days ago, unsent: inside its three days of handling, so not counted yet.
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=2))
        refresh_reputation()
    with in_store(store_b):
        refresh_reputation()
    assert _kept(store_a)[:2] == (0, None)
    b_before = _kept(store_b)
    assert b_before[:2] == (0, None)
    assert DirectoryStore.objects.get(pk=store_a.pk).on_time_percent is None

    with in_store(store_a):
        # Two more days have passed (the dates move, not the clock): now it is a day late, and no event says so.
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=4))
    assert _kept(store_a)[:2] == (0, None)

    assert dispatch_reputation_refreshes.delay().get(timeout=30) >= 2  # what the beat sends every hour

    wait_until(lambda: _kept(store_a)[:2] == (1, 0), what="store A's figures counting the late order")
    wait_until(
        lambda: DirectoryStore.objects.get(pk=store_a.pk).on_time_percent == 0, what="the directory's copy of A's"
    )
    # Store B got its own refresh too (run in its own schema), and A's late order is nowhere in its figures.
    wait_until(lambda: _kept(store_b)[2] != b_before[2], what="store B's own refresh")
    assert _kept(store_b)[:2] == (0, None)
    assert DirectoryStore.objects.get(pk=store_b.pk).on_time_percent is None
