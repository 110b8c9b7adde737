"""Subscribing from the dashboard: Checkout in subscription mode, switching, cancelling, the portal, the page."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from django.core.exceptions import ValidationError

from billing import limits, services
from billing.models import Subscription
from tests.billing.conftest import pay_checkout, subscribe
from tests.conftest import host_of, sign_in_on
from tests.support import WAIT_TIMEOUT


def test_sync_stripe_plans_makes_monthly_and_yearly_prices_once(plans, client):
    starter = plans["starter"]
    monthly = client.v1.prices.retrieve(starter.stripe_monthly_price_id)
    yearly = client.v1.prices.retrieve(starter.stripe_yearly_price_id)
    assert (monthly.unit_amount, monthly.recurring.interval, monthly.product) == (
        1900,
        "month",
        starter.stripe_product_id,
    )
    assert (yearly.unit_amount, yearly.recurring.interval) == (19000, "year")
    assert plans["free"].stripe_product_id == ""
    again = {plan.code: plan for plan in services.sync_stripe_plans()}
    assert again["starter"].stripe_monthly_price_id == starter.stripe_monthly_price_id
    assert again["pro"].stripe_yearly_price_id == plans["pro"].stripe_yearly_price_id


def test_seeded_plans_carry_their_limits(plans):
    free = plans["free"]
    assert (free.max_products, free.max_staff_seats, free.max_custom_domains, free.platform_fee_percent) == (
        25, 1, 0, Decimal("5.00"),
    )  # fmt: skip
    assert [plans[code].trial_days for code in ("free", "starter", "pro")] == [0, 14, 14]


def test_checkout_with_trial_reaches_trialing_once_the_webhook_confirms(store_a, owner_a, plans, deliverer, client):
    url = services.start_checkout(
        store=store_a, plan=plans["starter"], interval="month",
        success_url="http://alpha.localhost/dashboard/billing/?checkout=done", cancel_url="http://alpha.localhost/",
    )  # fmt: skip
    record = Subscription.objects.get(store=store_a)
    # Nothing is granted by the browser's return: only the webhook changes state.
    assert pay_checkout(url) == "http://alpha.localhost/dashboard/billing/?checkout=done"
    record.refresh_from_db()
    assert (record.status, record.plan) == ("none", None)
    assert limits.plan_for_store(store_a).code == "free"

    processed = deliverer.deliver()
    assert "checkout.session.completed" in processed and "customer.subscription.created" in processed
    record.refresh_from_db()
    remote = client.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert (record.status, record.plan.code, record.interval) == ("trialing", "starter", "month")
    assert record.trial_end == datetime.fromtimestamp(remote.trial_end, tz=UTC)
    assert remote.trial_end - remote.trial_start == 14 * 86400
    assert remote.metadata["mercato_store"] == str(store_a.pk)
    assert limits.plan_for_store(store_a).code == "starter"


def test_the_customer_is_made_once_per_store_and_reused(store_a, owner_a, plans, client):
    first = services.ensure_customer(store=store_a)
    services.start_checkout(
        store=store_a, plan=plans["pro"], interval="year", success_url="http://x/", cancel_url="http://x/"
    )
    services.start_checkout(
        store=store_a, plan=plans["starter"], interval="month", success_url="http://x/", cancel_url="http://x/"
    )
    assert Subscription.objects.filter(store=store_a).count() == 1
    assert [c.id for c in client.v1.customers.list().data] == [first.stripe_customer_id]
    assert client.v1.customers.retrieve(first.stripe_customer_id).email == "owner@alpha.test"
    sessions = client.v1.checkout.sessions.list().data
    assert {session.customer for session in sessions} == {first.stripe_customer_id}


def test_switching_plan_and_interval_prorates_in_stripe(store_a, owner_a, plans, deliverer, client, sandbox):
    record = subscribe(store_a, plans["starter"], deliverer)
    client.v1.subscriptions.update(record.stripe_subscription_id, {"trial_end": "now"})
    deliverer.deliver()
    record = services.change_plan(store=store_a, plan=plans["pro"], interval="month")
    assert (record.plan.code, record.interval, record.status) == ("pro", "month", "active")
    items = client.v1.subscriptions.retrieve(record.stripe_subscription_id)["items"]["data"]
    assert [item["price"]["id"] for item in items] == [plans["pro"].stripe_monthly_price_id]
    pending = client.v1.invoice_items.list({"customer": record.stripe_customer_id}).data
    assert sorted(item.proration for item in pending) == [True, True]
    record = services.change_plan(store=store_a, plan=plans["pro"], interval="year")
    assert (record.plan.code, record.interval) == ("pro", "year")
    deliverer.deliver()
    assert Subscription.objects.get(store=store_a).interval == "year"


def test_cancel_at_period_end_and_resume(store_a, owner_a, plans, deliverer, client):
    record = subscribe(store_a, plans["starter"], deliverer)
    record = services.set_cancel_at_period_end(store=store_a, cancel=True)
    assert record.cancel_at_period_end is True
    assert client.v1.subscriptions.retrieve(record.stripe_subscription_id).cancel_at_period_end is True
    record = services.set_cancel_at_period_end(store=store_a, cancel=False)
    assert record.cancel_at_period_end is False
    assert client.v1.subscriptions.retrieve(record.stripe_subscription_id).cancel_at_period_end is False


def test_the_portal_opens_for_the_stores_customer(store_a, owner_a, plans):
    url = services.portal_url(store=store_a, return_url="http://alpha.localhost/dashboard/billing/")
    page = requests.get(url, timeout=WAIT_TIMEOUT)
    assert page.status_code == 200 and "alpha.localhost/dashboard/billing/" in page.text


def test_a_store_without_a_subscription_row_is_on_free(store_a, plans):
    assert not Subscription.objects.filter(store=store_a).exists()
    assert limits.plan_for_store(store_a).code == "free"
    assert limits.platform_fee_percent(store_a) == Decimal("5.00")


def test_free_and_a_second_checkout_are_refused(store_a, owner_a, plans, deliverer):
    with pytest.raises(ValidationError):
        services.start_checkout(store=store_a, plan=plans["free"], interval="month", success_url="x", cancel_url="x")
    subscribe(store_a, plans["starter"], deliverer)
    with pytest.raises(ValidationError, match="already has a subscription"):
        services.start_checkout(store=store_a, plan=plans["pro"], interval="month", success_url="x", cancel_url="x")


# --- The dashboard page ---------------------------------------------------------------------------------------


def test_the_billing_page_sends_the_owner_to_checkout_then_shows_processing(
    client_django, store_a, owner_a, plans, deliverer
):
    sign_in_on(client_django, owner_a, store_a)
    host = host_of(store_a)
    page = client_django.get("/dashboard/billing/", HTTP_HOST=host)
    assert page.status_code == 200
    assert 'Current plan: <span id="billing-plan">Free</span>' in page.content.decode()
    response = client_django.post("/dashboard/billing/", {"plan": "pro", "interval": "year"}, HTTP_HOST=host)
    assert response.status_code == 302 and "/c/pay/cs_test_" in response["Location"]
    back = pay_checkout(response["Location"])
    assert back == f"http://{host}/dashboard/billing/?checkout=done"
    waiting = client_django.get("/dashboard/billing/?checkout=done", HTTP_HOST=host).content.decode()
    assert "Processing your subscription" in waiting
    deliverer.deliver()
    done = client_django.get("/dashboard/billing/?checkout=done", HTTP_HOST=host).content.decode()
    assert "Processing your subscription" not in done
    assert '<span id="billing-plan">Pro</span>' in done and '<strong id="billing-status">Trialing</strong>' in done
    assert 'id="billing-trial-end"' in done and "790.00 USD" in done


def test_the_billing_page_lists_past_invoices_and_switches_plan(
    client_django, store_a, owner_a, plans, deliverer, client
):
    record = subscribe(store_a, plans["starter"], deliverer)
    client.v1.subscriptions.update(record.stripe_subscription_id, {"trial_end": "now"})
    deliverer.deliver()
    sign_in_on(client_django, owner_a, store_a)
    host = host_of(store_a)
    page = client_django.get("/dashboard/billing/", HTTP_HOST=host).content.decode()
    assert 'id="billing-invoices"' in page and "19.00 USD" in page and "<td>paid</td>" in page
    assert 'id="billing-next-invoice"' in page
    response = client_django.post("/dashboard/billing/", {"plan": "pro", "interval": "month"}, HTTP_HOST=host)
    assert response.status_code == 302 and response["Location"] == "/dashboard/billing/"
    assert Subscription.objects.get(store=store_a).plan.code == "pro"


def test_only_the_owner_opens_billing(client_django, store_a, owner_a, plans):
    from tests.conftest import add_member, make_user

    manager = make_user("manager@alpha.test")
    add_member(store_a, manager, "manager")
    sign_in_on(client_django, manager, store_a)
    assert client_django.get("/dashboard/billing/", HTTP_HOST=host_of(store_a)).status_code == 403


def test_invoice_amounts_keep_the_currency_places():
    from decimal import Decimal

    from billing.selectors import _from_minor_units

    assert _from_minor_units(1900, "usd") == Decimal("19.00")
    assert str(_from_minor_units(1950, "eur")) == "19.50"
    assert str(_from_minor_units(1500, "jpy")) == "1500"
