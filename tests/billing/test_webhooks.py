"""The webhook endpoint: signatures verified, each event stored once, processed by a task, order-independent."""

import json
import time

import pytest
import stripe

from billing import services, webhooks
from billing.models import StripeEvent, Subscription
from billing.webhooks import process_event, record_stripe_event, register_handler
from tests.billing.conftest import pay_checkout, subscribe
from tests.stripe_sandbox import WEBHOOK_SECRET


def _signed(payload: dict, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = at or int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{body.decode()}", secret)
    return body, f"t={timestamp},v1={signature}"


def _event(event_id: str = "evt_test_1", type_: str = "customer.created", obj: dict | None = None) -> dict:
    return {"id": event_id, "object": "event", "type": type_, "created": int(time.time()), "livemode": False,
            "data": {"object": obj or {"id": "cus_x", "object": "customer", "metadata": {}}}}  # fmt: skip


@pytest.mark.parametrize(
    "signature",
    [None, "", "t=1,v1=deadbeef", "garbage"],
    ids=["missing", "empty", "wrong", "malformed"],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored(deliverer, signature, db):
    body, _ = _signed(_event())
    assert deliverer.post(body, signature).status_code == 400
    assert StripeEvent.objects.count() == 0


def test_a_body_signed_with_another_secret_or_tampered_is_refused(deliverer, db):
    body, header = _signed(_event(), secret="whsec_someone_else")
    assert deliverer.post(body, header).status_code == 400
    body, header = _signed(_event())
    assert deliverer.post(body.replace(b"cus_x", b"cus_y"), header).status_code == 400
    assert StripeEvent.objects.count() == 0


def test_a_stale_timestamp_is_refused(deliverer, db):
    body, header = _signed(_event(), at=int(time.time()) - 600)
    assert deliverer.post(body, header).status_code == 400
    assert StripeEvent.objects.count() == 0


def test_an_event_is_stored_once_and_a_replay_is_acknowledged(deliverer, db, django_capture_on_commit_callbacks):
    body, header = _signed(_event("evt_once"))
    with django_capture_on_commit_callbacks() as callbacks:
        first = deliverer.post(body, header)
        replay = deliverer.post(body, header)
    assert (first.status_code, first.json()) == (200, {"received": "evt_once", "duplicate": False})
    assert (replay.status_code, replay.json()) == (200, {"received": "evt_once", "duplicate": True})
    event = StripeEvent.objects.get()
    assert (event.event_id, event.type, event.status, event.attempts) == ("evt_once", "customer.created", "received", 0)
    # Processing was queued once, for the first delivery only.
    assert [callback.args for callback in callbacks] == [(event.pk,)]


def test_the_sandbox_delivery_itself_verifies_and_unknown_types_are_ignored(client, deliverer, db):
    client.v1.customers.create({"email": "nobody@example.com"})
    assert deliverer.deliver() == ["customer.created"]
    event = StripeEvent.objects.get()
    assert (event.status, event.error, event.attempts) == ("ignored", "", 1)
    assert process_event(event_pk=event.pk).attempts == 1  # done is done: a second run changes nothing


def test_a_failing_handler_marks_the_event_and_a_retry_processes_it(db, monkeypatch):
    body, header = _signed(_event("evt_fail", "customer.subscription.updated",
                                  {"id": "sub_missing", "object": "subscription", "metadata": {}}))  # fmt: skip
    event, _ = record_stripe_event(payload=body, signature=header)
    failed = process_event(event_pk=event.pk)
    assert failed.status == "failed" and "No such subscription" in failed.error and failed.attempts == 1
    assert webhooks.pending_events(older_than_seconds=0) == [event.pk]


def test_order_events_go_to_the_registered_order_handler(db, monkeypatch):
    monkeypatch.setitem(webhooks.REGISTERED, "orders", {})
    seen = []
    register_handler("checkout.session.completed", lambda event: seen.append(event.event_id))
    body, header = _signed(_event("evt_order", "checkout.session.completed",
                                  {"id": "cs_1", "object": "checkout.session", "mode": "payment",
                                   "metadata": {"mercato_order": "42"}}))  # fmt: skip
    event, _ = record_stripe_event(payload=body, signature=header)
    assert process_event(event_pk=event.pk).status == "processed"
    assert seen == ["evt_order"]


def test_order_events_nobody_handles_yet_are_kept_as_ignored(db, monkeypatch):
    monkeypatch.setitem(webhooks.REGISTERED, "orders", {})
    body, header = _signed(_event("evt_order2", "payment_intent.succeeded",
                                  {"id": "pi_1", "object": "payment_intent", "metadata": {"mercato_order": "7"}}))  # fmt: skip
    event, _ = record_stripe_event(payload=body, signature=header)
    assert process_event(event_pk=event.pk).status == "ignored"
    assert StripeEvent.objects.filter(event_id="evt_order2").exists()


@pytest.mark.parametrize("order", ["as_sent", "reversed"])
def test_out_of_order_events_converge_to_stripes_state(store_a, owner_a, plans, deliverer, client, order):
    url = services.start_checkout(
        store=store_a, plan=plans["starter"], interval="month", success_url="http://x/", cancel_url="http://x/"
    )
    pay_checkout(url)
    created = deliverer.new()
    sub_id = next(
        i.event["data"]["object"]["id"] for i in created if i.event["type"] == "customer.subscription.created"
    )
    client.v1.subscriptions.update(sub_id, {"trial_end": "now"})
    client.v1.subscriptions.update(sub_id, {"cancel_at_period_end": True})
    later = deliverer.new()
    items = created + later
    deliverer.deliver(items if order == "as_sent" else list(reversed(items)))
    record = Subscription.objects.get(store=store_a)
    remote = client.v1.subscriptions.retrieve(sub_id)
    assert (record.status, record.cancel_at_period_end, record.plan.code) == ("active", True, "starter")
    assert (remote.status, remote.cancel_at_period_end) == ("active", True)
    assert StripeEvent.objects.exclude(status__in=["processed", "ignored"]).count() == 0


def test_a_deleted_subscription_event_arriving_before_updates_still_ends_on_free(
    store_a, owner_a, plans, deliverer, client
):
    record = subscribe(store_a, plans["starter"], deliverer)
    client.v1.subscriptions.update(record.stripe_subscription_id, {"cancel_at_period_end": True})
    client.v1.subscriptions.cancel(record.stripe_subscription_id)
    deliverer.deliver(list(reversed(deliverer.new())))
    record.refresh_from_db()
    assert record.status == "canceled"
    from billing.limits import plan_for_store

    assert plan_for_store(store_a).code == "free"


def test_billing_sync_repairs_drift(store_a, owner_a, plans, deliverer, client):
    from django.core.management import call_command

    record = subscribe(store_a, plans["starter"], deliverer)
    # Changes made in Stripe whose webhooks never arrived.
    client.v1.subscriptions.update(record.stripe_subscription_id, {"cancel_at_period_end": True})
    Subscription.objects.filter(pk=record.pk).update(status="incomplete")
    call_command("billing_sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    record.refresh_from_db()
    assert (record.status, record.cancel_at_period_end) == ("trialing", True)
