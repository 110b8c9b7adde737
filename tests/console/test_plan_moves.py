"""Console plan moves beyond a price swap: to Free at once, and a granted trial for a store on Free."""

from datetime import timedelta
from io import StringIO

import pytest
import stripe
from django.core.management import CommandError, call_command

from billing.limits import plan_for_store
from billing.models import Subscription
from tenants.models import AdminAction, Store
from tests.billing.conftest import Deliverer, subscribe
from tests.conftest import add_member, make_user
from tests.console.conftest import PLATFORM_HOST, admin_url
from tests.stripe_sandbox import API_KEY


@pytest.fixture
def sandbox(sandbox_server, webhook_receiver):
    sandbox_server.control("POST", "/reset")
    webhook_receiver.clear()
    return sandbox_server


@pytest.fixture
def plans(db, sandbox):
    from billing.models import Plan
    from billing.services import sync_stripe_plans

    sync_stripe_plans()
    return {plan.code: plan for plan in Plan.objects.all()}


@pytest.fixture
def deliverer(sandbox, webhook_receiver):
    from django.test import Client

    return Deliverer(Client(), sandbox, webhook_receiver)


@pytest.fixture
def stripe_api(sandbox):
    return stripe.StripeClient(
        API_KEY, base_addresses={"api": sandbox.url, "connect": sandbox.url, "files": sandbox.url}
    )


def _change_plan(client, store, **data):
    url = admin_url("tenants_store_console_action", store.pk, "change-plan")
    return client.post(url, {"interval": "month", **data}, HTTP_HOST=PLATFORM_HOST)


# --- To Free ----------------------------------------------------------------------------------------------------


def test_moving_to_free_cancels_the_stripe_subscription_now_and_is_audited(
    admin_client, store_a, store_b, owner_a, plans, deliverer, stripe_api, django_capture_on_commit_callbacks
):
    record = subscribe(store_a, plans["pro"], deliverer)
    assert record.status == "trialing"
    with django_capture_on_commit_callbacks() as callbacks:
        response = _change_plan(admin_client, store_a, plan=plans["free"].pk, reason="Owner asked by email")
    assert response.status_code == 302, response.content.decode()
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert remote.status == "canceled" and remote.ended_at is not None
    record.refresh_from_db()
    assert record.status == "canceled"
    store = Store.objects.get(pk=store_a.pk)
    assert plan_for_store(store).code == "free" and store.status == "active"
    # Ended on purpose before the trial's end: not treated as a lapsed trial (no "trial ended" email).
    assert callbacks == []
    row = AdminAction.objects.get()
    assert (row.kind, row.store_id, row.reason) == ("change_plan", store_a.pk, "Owner asked by email")
    assert (row.before["plan"], row.before["status"]) == ("pro", "trialing")
    assert (row.after["status"], row.after["ended"]) == ("canceled", "now, without refund")
    # The webhook that follows agrees; the other store is untouched.
    deliverer.deliver()
    assert Subscription.objects.get(store=store_a).status == "canceled"
    assert Store.objects.get(pk=store_a.pk).status == "active"
    assert not Subscription.objects.filter(store=store_b).exists()


def test_moving_to_free_is_refused_when_the_store_is_over_free_limits(
    admin_client, store_a, owner_a, plans, deliverer, stripe_api
):
    record = subscribe(store_a, plans["starter"], deliverer)
    add_member(store_a, make_user("staff@alpha.test"), "staff")  # 2 seats; Free allows 1
    response = _change_plan(admin_client, store_a, plan=plans["free"].pk, reason="Downgrade")
    assert response.status_code == 400
    assert "uses more than the Free plan allows: 2 staff seats (the Free plan allows 1)" in response.content.decode()
    assert stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id).status == "trialing"
    assert Subscription.objects.get(store=store_a).status == "trialing"
    assert not AdminAction.objects.exists()


def test_moving_a_store_already_on_free_to_free_says_so(admin_client, store_a, plans):
    response = _change_plan(admin_client, store_a, plan=plans["free"].pk, reason="x")
    assert response.status_code == 400 and "already on the Free plan" in response.content.decode()
    assert not AdminAction.objects.exists()


# --- A granted trial --------------------------------------------------------------------------------------------


def _grant(admin_client, store, plans, days: int = 30):
    return _change_plan(
        admin_client, store, plan=plans["starter"].pk, trial_days=days, reason="Partner programme: 30 days"
    )


def test_a_store_on_free_gets_a_granted_trial_in_stripe_and_here(
    admin_client, store_a, store_b, owner_a, plans, deliverer, stripe_api, sandbox
):
    assert not Subscription.objects.filter(store=store_a).exists()
    response = _grant(admin_client, store_a, plans)
    assert response.status_code == 302, response.content.decode()
    record = Subscription.objects.get(store=store_a)
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert remote.customer == record.stripe_customer_id and remote.status == "trialing"
    assert [item["price"]["id"] for item in remote["items"]["data"]] == [plans["starter"].stripe_monthly_price_id]
    assert remote.trial_settings.end_behavior.missing_payment_method == "cancel"
    assert remote.default_payment_method is None
    assert remote.trial_end - remote.trial_start == pytest.approx(30 * 86400, abs=120)
    assert (record.status, record.plan.code, record.has_payment_method) == ("trialing", "starter", False)
    assert int(record.trial_end.timestamp()) == remote.trial_end
    assert plan_for_store(Store.objects.get(pk=store_a.pk)).code == "starter"
    row = AdminAction.objects.get()
    assert row.before == {"plan": None, "status": "none"}
    assert (row.after["plan"], row.after["status"], row.after["granted_trial_days"]) == ("starter", "trialing", 30)
    assert row.after["stripe_subscription"] == remote.id
    deliverer.deliver()
    assert Subscription.objects.get(store=store_a).status == "trialing"
    assert not Subscription.objects.filter(store=store_b).exists()
    # A second grant while it runs is refused; Stripe keeps one subscription.
    again = _grant(admin_client, store_a, plans)
    assert again.status_code == 400 and "already has a subscription" in again.content.decode()
    listed = stripe_api.v1.subscriptions.list(params={"customer": record.stripe_customer_id, "status": "all"})
    assert len(listed.data) == 1


def test_a_granted_trial_without_a_card_is_cancelled_by_stripe_at_its_end(
    admin_client, store_a, owner_a, plans, deliverer, stripe_api, sandbox, django_capture_on_commit_callbacks
):
    assert _grant(admin_client, store_a, plans, days=5).status_code == 302
    deliverer.deliver()
    sandbox.advance(days=5, seconds=1)
    with django_capture_on_commit_callbacks():
        types = deliverer.deliver()
    assert "customer.subscription.deleted" in types
    record = Subscription.objects.get(store=store_a)
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert remote.status == "canceled"
    # Nothing was invoiced to a customer Stripe could not charge.
    invoices = stripe_api.v1.invoices.list(params={"subscription": remote.id}).data
    assert [invoice.amount_due for invoice in invoices] == [0]
    assert record.status == "canceled"
    store = Store.objects.get(pk=store_a.pk)
    assert plan_for_store(store).code == "free" and store.status == "active"


def test_a_granted_trial_with_a_card_added_becomes_a_paid_subscription(
    admin_client, store_a, owner_a, plans, deliverer, stripe_api, sandbox
):
    assert _grant(admin_client, store_a, plans, days=5).status_code == 302
    record = Subscription.objects.get(store=store_a)
    card = stripe_api.v1.payment_methods.attach("pm_card_visa", params={"customer": record.stripe_customer_id})
    stripe_api.v1.customers.update(
        record.stripe_customer_id, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    deliverer.deliver()
    sandbox.advance(days=5, seconds=1)
    deliverer.deliver()
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert remote.status == "active"
    record.refresh_from_db()
    assert (record.status, record.plan.code) == ("active", "starter")


def test_the_change_plan_page_offers_free_and_trial_days(admin_client, store_a, plans):
    url = admin_url("tenants_store_console_action", store_a.pk, "change-plan")
    page = admin_client.get(url, HTTP_HOST=PLATFORM_HOST).content.decode()
    assert f'<option value="{plans["free"].pk}"' in page and 'name="trial_days"' in page


def test_a_store_on_free_without_trial_days_is_told_what_is_missing(admin_client, store_a, plans, stripe_api):
    response = _change_plan(admin_client, store_a, plan=plans["pro"].pk, reason="x")
    assert response.status_code == 400 and "give the number of trial days" in response.content.decode()
    for days in ("0", "400", "abc"):
        assert _grant(admin_client, store_a, plans, days=days).status_code == 400
    assert not Subscription.objects.filter(store=store_a, status="trialing").exists()
    assert not AdminAction.objects.exists()


def test_a_granted_trial_is_refused_when_the_store_is_over_the_plan(admin_client, store_a, owner_a, plans):
    for number in range(3):  # owner + 3 staff = 4 seats; Starter allows 3
        add_member(store_a, make_user(f"staff{number}@alpha.test"), "staff")
    response = _grant(admin_client, store_a, plans)
    assert response.status_code == 400 and "uses more than the Starter plan allows" in response.content.decode()
    assert not Subscription.objects.filter(store=store_a, status="trialing").exists()
    assert not AdminAction.objects.exists()


def test_a_staff_account_without_the_plan_permission_cannot_move_a_plan(client, store_a, plans):
    from tests.console.conftest import make_staff

    client.force_login(make_staff("viewer@mercato.test", "tenants.view_store"))
    response = _change_plan(client, store_a, plan=plans["starter"].pk, trial_days=30, reason="x")
    assert response.status_code == 403
    assert not Subscription.objects.filter(store=store_a).exists()
    assert not AdminAction.objects.exists()


# --- The command line -------------------------------------------------------------------------------------------


def test_the_store_command_moves_plans_and_extends_trials_like_the_console(
    store_a, store_b, owner_a, plans, deliverer, stripe_api
):
    out = StringIO()
    call_command("store", "plan", "alpha", "starter", "--trial-days", "20", "--reason", "Pilot", stdout=out)
    record = Subscription.objects.get(store=store_a)
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert (remote.status, record.plan.code) == ("trialing", "starter")
    old_end = record.trial_end
    call_command("store", "extend-trial", "alpha", "--days", "7", "--reason", "More time", stdout=out)
    record.refresh_from_db()
    assert record.trial_end == old_end + timedelta(days=7)
    assert stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id).trial_end == int(
        record.trial_end.timestamp()
    )
    call_command("store", "plan", "alpha", "free", "--reason", "Pilot over", stdout=out)
    assert stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id).status == "canceled"
    rows = list(AdminAction.objects.order_by("pk").values_list("kind", "actor_email", "store_slug"))
    assert [(kind, slug) for kind, _, slug in rows] == [
        ("change_plan", "alpha"), ("extend_trial", "alpha"), ("change_plan", "alpha"),
    ]  # fmt: skip
    assert all(email == "command line" for _, email, _ in rows)
    # A store back on Free can be granted a trial again: a new subscription, the old one stays ended.
    call_command("store", "plan", "alpha", "pro", "--trial-days", "10", "--reason", "Second pilot", stdout=out)
    record.refresh_from_db()
    assert record.stripe_subscription_id != remote.id and (record.status, record.plan.code) == ("trialing", "pro")
    assert stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id).status == "trialing"
    assert stripe_api.v1.subscriptions.retrieve(remote.id).status == "canceled"
    with pytest.raises(CommandError, match="No plan with the code 'gold'"):
        call_command("store", "plan", "beta", "gold", "--reason", "x")
    with pytest.raises(CommandError, match="already on the Free plan"):
        call_command("store", "plan", "beta", "free", "--reason", "x")
    assert not Subscription.objects.filter(store=store_b).exists()
