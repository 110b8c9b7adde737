"""Billing tests drive the Stripe sandbox: it is reset before each, and the SDK is pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.stripe_sandbox import Received, SandboxServer, WebhookReceiver
from tests.support import WAIT_TIMEOUT

# The sandbox's own fixtures: reset before each test, the SDK client and module pointed at it.
from tests.tools.stripe_sandbox.conftest import _fresh_sandbox, client, sandbox, stripe_module  # noqa: F401

# --- Mercato's billing against the sandbox ---------------------------------------------------------------------

PLATFORM_HOST = "localhost"
WEBHOOK_URL = "/billing/stripe/webhook/"
CARD = {"card_number": "4242 4242 4242 4242", "card_expiry": "12 / 34", "card_cvc": "123", "name": "Owner"}


@pytest.fixture
def limits_on(settings):
    """Plan limits as production has them (the test settings start with them off for older suites)."""
    settings.BILLING_ENFORCE_LIMITS = True


@pytest.fixture
def plans(db, sandbox_server):
    """The seeded plans, with Stripe prices made in this test's (freshly reset) sandbox."""
    from billing.models import Plan
    from billing.services import sync_stripe_plans

    sync_stripe_plans()
    return {plan.code: plan for plan in Plan.objects.all()}


@dataclass
class Deliverer:
    """Posts what the sandbox delivered to the receiver to Mercato's endpoint, then processes it as the task would."""

    django_client: Any
    sandbox: SandboxServer
    receiver: WebhookReceiver
    sent: int = 0

    def post(self, body: bytes, signature: str | None) -> Any:
        headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
        return self.django_client.post(
            WEBHOOK_URL, data=body, content_type="application/json", HTTP_HOST=PLATFORM_HOST, **headers
        )

    def new(self) -> list[Received]:
        self.sandbox.drain()
        with self.receiver.lock:
            fresh = self.receiver.received[self.sent :]
        self.sent += len(fresh)
        return fresh

    def deliver(self, items: list[Received] | None = None) -> list[str]:
        """Post and process (in the order given, default: arrival); returns the event types processed."""
        from billing.models import StripeEvent
        from billing.webhooks import process_event

        done = []
        for item in self.new() if items is None else items:
            response = self.post(item.body, item.headers["Stripe-Signature"])
            assert response.status_code == 200, response.content
            event = StripeEvent.objects.get(event_id=item.event["id"])
            process_event(event_pk=event.pk)
            done.append(event.type)
        return done


@pytest.fixture
def deliverer(client_django, sandbox_server, webhook_receiver) -> Deliverer:
    return Deliverer(client_django, sandbox_server, webhook_receiver)


@pytest.fixture
def client_django():
    """Django's test client (``client`` in this folder is the Stripe SDK client)."""
    from django.test import Client

    return Client()


def pay_checkout(url: str, *, card: str = "4242 4242 4242 4242") -> str:
    """Submit Stripe's hosted Checkout page as a person would; returns where it redirects (the success URL)."""
    import requests

    response = requests.post(url, data={**CARD, "card_number": card, "email": "owner@alpha.test"}, timeout=WAIT_TIMEOUT,
                             allow_redirects=False)  # fmt: skip
    assert response.status_code in (302, 303), response.text
    return response.headers["Location"]


def subscribe(store: Any, plan: Any, deliverer: Deliverer, *, interval: str = "month") -> Any:
    """Owner picks ``plan``, pays on Checkout, and the webhooks are delivered and processed."""
    from billing.models import Subscription
    from billing.services import start_checkout

    url = start_checkout(
        store=store, plan=plan, interval=interval, success_url="http://alpha.localhost/dashboard/billing/?checkout=done",
        cancel_url="http://alpha.localhost/dashboard/billing/",
    )  # fmt: skip
    pay_checkout(url)
    deliverer.deliver()
    return Subscription.objects.get(store=store)


# --- Committed billing data, for a worker or the live server in another process --------------------------------


@dataclass
class CommittedBilling:
    store: Any
    owner: Any
    plans: dict[str, Any]


def committed_billing_data(*, owner_email: str) -> Iterator[CommittedBilling]:
    """Store alpha's owner and the plans' Stripe prices, committed; afterwards everything billing made is removed.

    Call with database access unblocked (``committed``, or ``django_db_blocker.unblock()``), in a sandbox whose
    state the caller controls: the plans get prices there, and their Stripe ids are restored on the way out.
    """
    from billing.models import Plan, StripeEvent, Subscription
    from billing.services import sync_stripe_plans
    from platform.accounts.models import User
    from tenants.models import Store
    from tests.conftest import STORE_A, add_member, make_user

    store = Store.objects.get(slug=STORE_A["slug"])
    fields = ("stripe_product_id", "stripe_monthly_price_id", "stripe_yearly_price_id")
    saved_prices = {row["pk"]: row for row in Plan.objects.values("pk", *fields)}
    events_before = set(StripeEvent.objects.values_list("pk", flat=True))
    assert not Subscription.objects.filter(store=store).exists(), "store alpha already has a committed subscription"
    owner = make_user(owner_email)
    add_member(store, owner, "owner")
    try:
        yield CommittedBilling(store, owner, {plan.code: plan for plan in sync_stripe_plans()})
    finally:
        Subscription.objects.filter(store=store).delete()
        StripeEvent.objects.exclude(pk__in=events_before).delete()
        User.objects.filter(pk=owner.pk).delete()  # its membership goes with it
        for pk, row in saved_prices.items():
            Plan.objects.filter(pk=pk).update(**{field: row[field] for field in fields})


@pytest.fixture
def committed_billing(committed) -> Iterator[CommittedBilling]:
    yield from committed_billing_data(owner_email="owner@alpha.test")
