"""Webhooks when Redis is down, when the database or Stripe fails for a moment, and through the real worker:
stored and acknowledged first, processed once.

These run on committed data (the worker is another process) against the real Redis broker; "Redis down" points
this process's Celery app at a closed port, so enqueueing really fails to connect. A database failure is real
too: the worker's connection, blocked on a row this test holds, is terminated by PostgreSQL (tests/db_faults.py).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from billing import services
from billing.models import StripeEvent, Subscription
from billing.tasks import process_pending_events, process_stripe_event
from billing.webhooks import process_event
from platform.celery import app
from tests.billing.conftest import pay_checkout
from tests.db_faults import cut_off_backend_waiting_on, row_locked
from tests.support import free_port, wait_until


@contextmanager
def broker_unreachable(monkeypatch) -> Iterator[int]:
    """This process's Celery app publishes to a port nobody listens on; the real broker is back afterwards."""
    closed = free_port()
    with monkeypatch.context() as patch:
        patch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{closed}/0")
        # The app caches its connection and producer pools: drop them so the next publish connects anew.
        patch.setattr(app, "_pool", None)
        patch.setattr(app.amqp, "_producer_pool", None)
        assert app.connection_for_write().port == closed
        yield closed
    assert app.connection_for_write().port != closed


def _paid_checkout(billing, deliverer, plan: str = "starter") -> dict[str, dict]:
    """Store alpha's owner pays Checkout; the signed deliveries the sandbox made, by event type."""
    url = services.start_checkout(
        store=billing.store, plan=billing.plans[plan], interval="month",
        success_url="http://alpha.localhost/dashboard/billing/?checkout=done",
        cancel_url="http://alpha.localhost/dashboard/billing/",
    )  # fmt: skip
    pay_checkout(url)
    return {item.event["type"]: item for item in deliverer.new()}


def _wait_until_done(event_id: str, *, pending: tuple[str, ...] = ("received",)) -> StripeEvent:
    def processed() -> StripeEvent | None:
        event = StripeEvent.objects.get(event_id=event_id)
        return event if event.status not in pending else None

    return wait_until(processed, what=f"the worker to process {event_id}")


def _stored_not_queued(deliverer, item, monkeypatch) -> StripeEvent:
    """Post a delivery while the broker is unreachable: stored and acknowledged, its task never sent."""
    with broker_unreachable(monkeypatch):
        response = deliverer.post(item.body, item.headers["Stripe-Signature"])
    assert (response.status_code, response.json()) == (200, {"received": item.event["id"], "duplicate": False})
    return StripeEvent.objects.get(event_id=item.event["id"])


def _scheduled(task_name: str) -> dict:
    """The beat's entry for ``task_name``: these tests send what the beat would send."""
    [entry] = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == task_name]
    return entry


def test_with_redis_down_the_event_is_acknowledged_stored_and_the_sweep_processes_it_once(
    committed_billing, deliverer, celery_worker, monkeypatch, caplog
):
    delivered = _paid_checkout(committed_billing, deliverer)
    item = delivered["checkout.session.completed"]
    event_id = item.event["id"]

    with broker_unreachable(monkeypatch), caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        response = deliverer.post(item.body, item.headers["Stripe-Signature"])
    assert (response.status_code, response.json()) == (200, {"received": event_id, "duplicate": False})
    # The enqueue really failed (connection refused), and only that was logged; the event is kept.
    [failure] = caplog.records
    assert "on_commit()" in failure.getMessage() and "Connection refused" in failure.getMessage()
    event = StripeEvent.objects.get(event_id=event_id)
    assert (event.type, event.status, event.attempts, event.processed_at) == (
        "checkout.session.completed", "received", 0, None,
    )  # fmt: skip
    record = Subscription.objects.get(store=committed_billing.store)
    assert (record.status, record.plan) == ("none", None)

    # Redis is back. The sweep leaves events younger than a minute to their own task; a minute goes by.
    StripeEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=2))
    # The beat's sweep, sent to the real worker (its result is ignored, so the row is watched instead).
    process_pending_events.apply_async(headers={"_schema_name": "public"})
    event = _wait_until_done(event_id)
    assert (event.status, event.error, event.attempts) == ("processed", "", 1)
    # Exactly once: the next sweep finds nothing, and a late redelivery by Stripe is only acknowledged.
    assert process_pending_events() == 0
    replay = deliverer.post(item.body, item.headers["Stripe-Signature"])
    assert (replay.status_code, replay.json()) == (200, {"received": event_id, "duplicate": True})
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 1)
    assert event.processed_at is not None
    record.refresh_from_db()
    assert (record.status, record.plan.code, record.interval) == ("trialing", "starter", "month")
    assert record.stripe_subscription_id == item.event["data"]["object"]["subscription"]


def test_a_delivered_subscription_event_is_processed_by_the_worker(committed_billing, deliverer, celery_worker):
    delivered = _paid_checkout(committed_billing, deliverer, plan="pro")
    item = delivered["customer.subscription.created"]
    record = Subscription.objects.get(store=committed_billing.store)
    assert (record.status, record.plan) == ("none", None)

    # The view's after-commit enqueue hands it to the worker; nothing in this process processes it.
    response = deliverer.post(item.body, item.headers["Stripe-Signature"])
    assert (response.status_code, response.json()) == (200, {"received": item.event["id"], "duplicate": False})
    event = _wait_until_done(item.event["id"])
    assert (event.type, event.status, event.error, event.attempts) == (
        "customer.subscription.created", "processed", "", 1,
    )  # fmt: skip
    record.refresh_from_db()
    assert (record.status, record.plan.code, record.stripe_subscription_id) == (
        "trialing", "pro", item.event["data"]["object"]["id"],
    )  # fmt: skip
    assert record.trial_end is not None and record.has_payment_method is True


def test_a_task_cut_off_by_a_database_error_is_retried_and_processes_the_event_once(
    committed_billing, deliverer, celery_worker, monkeypatch
):
    delivered = _paid_checkout(committed_billing, deliverer, plan="pro")
    item = delivered["customer.subscription.created"]
    event = _stored_not_queued(deliverer, item, monkeypatch)

    with row_locked("billing_stripeevent", event.pk):
        sent = process_stripe_event.apply_async(args=(event.pk,), headers={"_schema_name": "public"})
        # The worker waits for the row; PostgreSQL then drops its connection: OperationalError in the task.
        cut_off_backend_waiting_on("billing_stripeevent")
    event = _wait_until_done(item.event["id"], pending=("received", "failed"))
    # The cut-off attempt is counted, the retry did the work, once.
    assert (event.status, event.error, event.attempts) == ("processed", "", 2)
    log = (celery_worker.outbox.parent / "worker.log").read_text()
    assert f"billing.process_stripe_event[{sent.id}] retry: Retry in" in log
    record = Subscription.objects.get(store=committed_billing.store)
    assert (record.status, record.plan.code) == ("trialing", "pro")
    assert process_pending_events() == 0


def test_an_event_that_failed_while_stripe_was_unreachable_is_processed_once_by_the_scheduled_sweep(
    committed_billing, deliverer, celery_worker, monkeypatch
):
    delivered = _paid_checkout(committed_billing, deliverer)
    item = delivered["checkout.session.completed"]
    event = _stored_not_queued(deliverer, item, monkeypatch)
    # Its processing ran while Stripe did not answer: the handler failed and the event is kept as failed.
    with override_settings(STRIPE_API_BASE=f"http://127.0.0.1:{free_port()}"):
        failed = process_event(event_pk=event.pk)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "APIConnectionError" in failed.error
    assert Subscription.objects.get(store=committed_billing.store).status == "none"

    # Stripe is back and a minute goes by; the beat sends its sweep to the real worker.
    StripeEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now() - timedelta(minutes=2))
    entry = _scheduled("billing.process_pending_events")
    assert entry["schedule"] == 60.0
    app.send_task(entry["task"], headers={"_schema_name": "public"})
    event = _wait_until_done(item.event["id"], pending=("received", "failed"))
    assert (event.status, event.error, event.attempts) == ("processed", "", 2)
    # Exactly once: nothing is left for the next sweep.
    assert process_pending_events() == 0
    record = Subscription.objects.get(store=committed_billing.store)
    assert (record.status, record.plan.code) == ("trialing", "starter")
