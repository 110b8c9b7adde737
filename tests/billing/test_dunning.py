"""Dunning: a failed payment warns the owner, the grace period ends in suspension, paying reopens at once."""

from datetime import timedelta

import pytest
import requests

from billing import services
from billing.gateway import stripe_client
from billing.limits import plan_for_store
from billing.models import Subscription
from platform.accounts.tasks import send_email
from tenants.host_cache import forget_store_hosts
from tenants.models import Store
from tests.billing.conftest import CARD, pay_checkout
from tests.conftest import host_of, sign_in_on
from tests.support import WAIT_TIMEOUT

FAILING_LATER = "4000 0000 0000 0341"  # saved fine; every later charge is declined


def _emails(callbacks) -> list[tuple[str, str]]:
    return [
        (cb.keywords["kwargs"]["to"], cb.keywords["kwargs"]["subject"])
        for cb in callbacks
        if getattr(cb, "func", None) == send_email.apply_async
    ]


def _subscribe_with(store, plan, deliverer, card: str) -> Subscription:
    url = services.start_checkout(
        store=store, plan=plan, interval="month", success_url="http://x/", cancel_url="http://x/"
    )
    pay_checkout(url, card=card)
    deliverer.deliver()
    return Subscription.objects.get(store=store)


def _run_all_but_email(callbacks) -> None:
    """Run what committing would run (forgetting cached hosts...), but leave the emails unsent: they are asserted."""
    for callback in callbacks:
        if getattr(callback, "func", None) != send_email.apply_async:
            callback()


@pytest.fixture
def past_due(store_a, owner_a, plans, deliverer, client, django_capture_on_commit_callbacks):
    record = _subscribe_with(store_a, plans["starter"], deliverer, FAILING_LATER)
    client.v1.subscriptions.update(record.stripe_subscription_id, {"trial_end": "now"})
    with django_capture_on_commit_callbacks() as callbacks:
        processed = deliverer.deliver()
    assert "invoice.payment_failed" in processed
    record.refresh_from_db()
    record.emails = _emails(callbacks)
    return record


def test_a_failed_payment_makes_the_store_past_due_emails_the_owner_and_shows_a_banner(
    past_due, store_a, owner_a, client_django
):
    assert past_due.status == "past_due" and past_due.past_due_since is not None
    assert past_due.emails == [("owner@alpha.test", "Payment failed for Alpha Outfitters on Mercato")]
    sign_in_on(client_django, owner_a, store_a)
    page = client_django.get("/dashboard/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Your last payment failed; update your card to keep your store open." in page
    assert '<a href="/dashboard/billing/">Pay now</a>' in page
    assert Store.objects.get(pk=store_a.pk).status == "active"


def test_grace_period_then_suspension_then_paying_reopens_at_once(
    past_due, store_a, owner_a, client_django, deliverer, settings, django_capture_on_commit_callbacks
):
    settings.BILLING_GRACE_DAYS = 7
    start = past_due.past_due_since
    assert services.enforce_grace_periods(now=start + timedelta(days=6, hours=23)) == []
    with django_capture_on_commit_callbacks() as callbacks:
        suspended = services.enforce_grace_periods(now=start + timedelta(days=7))
    _run_all_but_email(callbacks)
    assert [store.slug for store in suspended] == ["alpha"]
    assert _emails(callbacks) == [("owner@alpha.test", "Alpha Outfitters is paused until the bill is paid")]
    assert Store.objects.get(pk=store_a.pk).status == "suspended"

    host = host_of(store_a)
    storefront = client_django.get("/", HTTP_HOST=host)
    assert storefront.status_code == 503 and storefront["Retry-After"] == "300"
    assert "temporarily unavailable" in storefront.content.decode().lower()
    assert client_django.get("/products/", HTTP_HOST=host).status_code == 503
    assert client_django.get("/api/products", HTTP_HOST=host).status_code == 503
    # A buyer can neither fill a cart nor check out: no orders are taken while suspended.
    assert client_django.post("/cart/add/", {"variant": "1", "quantity": "1"}, HTTP_HOST=host).status_code == 503
    assert client_django.get("/checkout/", HTTP_HOST=host).status_code == 503
    sign_in_on(client_django, owner_a, store_a)
    dashboard = client_django.get("/dashboard/billing/", HTTP_HOST=host)
    assert dashboard.status_code == 200
    assert "Your storefront is offline because a payment failed." in dashboard.content.decode()
    assert services.enforce_grace_periods(now=start + timedelta(days=8)) == []  # once only

    # The owner pays the open invoice (Stripe's hosted invoice page) with a working card.
    record = Subscription.objects.get(store=store_a)
    invoice = stripe_client().v1.invoices.list({"customer": record.stripe_customer_id, "status": "open"}).data[0]
    paid = requests.post(invoice.hosted_invoice_url, data=CARD, timeout=WAIT_TIMEOUT)
    assert paid.status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        assert "invoice.paid" in deliverer.deliver()
    _run_all_but_email(callbacks)
    record.refresh_from_db()
    assert (record.status, record.suspended_for_nonpayment, record.past_due_since) == ("active", False, None)
    assert Store.objects.get(pk=store_a.pk).status == "active"
    assert client_django.get("/", HTTP_HOST=host).status_code == 200


def test_the_dashboard_of_a_closed_store_stays_closed(store_a, client_django, django_capture_on_commit_callbacks):
    from tenants.services import suspend_store

    with django_capture_on_commit_callbacks(execute=True):
        suspend_store(store=store_a)
    assert client_django.get("/dashboard/login/", HTTP_HOST=host_of(store_a)).status_code == 200
    assert client_django.get("/pages/about/", HTTP_HOST=host_of(store_a)).status_code == 503
    with django_capture_on_commit_callbacks(execute=True):
        Store.objects.filter(pk=store_a.pk).update(status="closed")
        forget_store_hosts(store_a)
    assert client_django.get("/dashboard/login/", HTTP_HOST=host_of(store_a)).status_code == 404


def test_the_trial_reminder_is_emailed_once(
    store_a, owner_a, plans, deliverer, sandbox, django_capture_on_commit_callbacks
):
    _subscribe_with(store_a, plans["starter"], deliverer, "4242 4242 4242 4242")
    sandbox.advance(days=11, seconds=1)
    with django_capture_on_commit_callbacks() as callbacks:
        assert "customer.subscription.trial_will_end" in deliverer.deliver()
    ((to, subject),) = _emails(callbacks)
    record = Subscription.objects.get(store=store_a)
    assert (to, subject) == ("owner@alpha.test", f"Your Alpha Outfitters trial ends on {record.trial_end:%d %B %Y}")
    assert services.send_trial_reminder(subscription_id=record.stripe_subscription_id) is False


@pytest.mark.parametrize("behavior", ["free", "suspend"])
def test_a_trial_ending_without_a_payment_method_follows_the_plan_setting(
    store_a, owner_a, plans, deliverer, client, sandbox, behavior, django_capture_on_commit_callbacks
):
    starter = plans["starter"]
    starter.trial_end_behavior = behavior
    starter.save()
    record = services.ensure_customer(store=store_a)
    client.v1.subscriptions.create(
        {"customer": record.stripe_customer_id, "items": [{"price": starter.stripe_monthly_price_id}],
         "trial_period_days": 3}
    )  # fmt: skip
    deliverer.deliver()
    assert Subscription.objects.get(store=store_a).status == "trialing"
    sandbox.advance(days=3, seconds=1)
    with django_capture_on_commit_callbacks() as callbacks:
        deliverer.deliver()
    _run_all_but_email(callbacks)
    record.refresh_from_db()
    store = Store.objects.get(pk=store_a.pk)
    if behavior == "free":
        assert (record.status, store.status) == ("canceled", "active")
        assert client.v1.subscriptions.retrieve(record.stripe_subscription_id).status == "canceled"
        assert plan_for_store(store).code == "free"
    else:
        assert (record.suspended_for_nonpayment, store.status) == (True, "suspended")
