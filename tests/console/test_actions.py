"""Console actions: each asks for a reason on a confirmation page, acts, and writes exactly one audit row."""

from datetime import timedelta

import pytest
import stripe

from billing.models import Subscription
from tenants.models import AdminAction, Store
from tests.billing.conftest import Deliverer, subscribe
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.console.conftest import PLATFORM_HOST, admin_url
from tests.stripe_sandbox import API_KEY


def _action(client, store, action, **data):
    url = admin_url("tenants_store_console_action", store.pk, action)
    if not data:
        return client.get(url, HTTP_HOST=PLATFORM_HOST)
    return client.post(url, data, HTTP_HOST=PLATFORM_HOST)


# --- Suspend and reactivate ------------------------------------------------------------------------------------


def test_suspend_asks_for_a_reason_first_and_changes_nothing_until_then(admin_client, store_a):
    page = _action(admin_client, store_a, "suspend")
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    refused = _action(admin_client, store_a, "suspend", reason="   ")
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    store_a.refresh_from_db()
    assert store_a.status == Store.Status.ACTIVE and not AdminAction.objects.exists()


def test_suspend_takes_the_store_offline_shows_the_reason_to_the_owner_and_is_audited(
    admin_client, superuser, store_a, store_b, owner_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(admin_client, store_a, "suspend", reason="Selling counterfeit tents; reply to support.")
    assert response.status_code == 302
    store_a.refresh_from_db()
    assert (store_a.status, store_a.suspension_reason) == ("suspended", "Selling counterfeit tents; reply to support.")
    row = AdminAction.objects.get()
    assert (row.kind, row.store_id, row.store_slug, row.actor_id, row.actor_email) == (
        "suspend", store_a.pk, "alpha", superuser.pk, "root@mercato.test",
    )  # fmt: skip
    assert row.reason == "Selling counterfeit tents; reply to support."
    assert row.before == {"status": "active", "suspension_reason": ""}
    assert row.after == {"status": "suspended", "suspension_reason": "Selling counterfeit tents; reply to support."}

    from django.test import Client

    buyer, owner = Client(), Client()
    assert buyer.get("/", HTTP_HOST=host_of(store_a)).status_code == 503
    sign_in_on(owner, owner_a, store_a)
    dashboard = owner.get("/dashboard/", HTTP_HOST=host_of(store_a))
    assert dashboard.status_code == 200
    assert (
        "Mercato has suspended this store: Selling counterfeit tents; reply to support." in dashboard.content.decode()
    )
    # Store B is untouched, and its owner sees no notice.
    store_b.refresh_from_db()
    assert store_b.status == Store.Status.ACTIVE
    assert buyer.get("/", HTTP_HOST=host_of(store_b)).status_code == 200


def test_reactivate_reopens_the_store_clears_the_reason_and_is_audited(
    admin_client, store_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _action(admin_client, store_a, "suspend", reason="Chargebacks")
        assert _action(admin_client, store_a, "reactivate", reason="Owner explained").status_code == 302
    store_a.refresh_from_db()
    assert (store_a.status, store_a.suspension_reason) == ("active", "")
    row = AdminAction.objects.filter(kind="reactivate").get()
    assert row.before == {"status": "suspended", "suspension_reason": "Chargebacks"}
    assert row.after == {"status": "active", "suspension_reason": ""}
    assert row.reason == "Owner explained"
    from django.test import Client

    assert Client().get("/", HTTP_HOST=host_of(store_a)).status_code == 200


def test_reactivating_an_active_store_is_refused_with_a_message(admin_client, store_a):
    response = _action(admin_client, store_a, "reactivate", reason="oops")
    assert response.status_code == 400
    assert "Only a suspended or closed store can be reactivated" in response.content.decode()
    assert not AdminAction.objects.exists()


def test_suspend_and_reactivate_name_the_state_they_refuse(store_a, superuser):
    from django.core.exceptions import ValidationError

    from tenants.console.actions import reactivate_store_as_admin, suspend_store_as_admin

    with pytest.raises(ValidationError) as refused:
        reactivate_store_as_admin(store=store_a, actor=superuser, reason="oops")
    assert refused.value.messages == ["Only a suspended or closed store can be reactivated; this one is active."]
    suspend_store_as_admin(store=store_a, actor=superuser, reason="Chargebacks")
    with pytest.raises(ValidationError) as refused:
        suspend_store_as_admin(store=store_a, actor=superuser, reason="Again")
    assert refused.value.messages == ["Only an active store can be suspended; this one is Suspended."]
    assert list(AdminAction.objects.values_list("kind", flat=True)) == ["suspend"]


def test_bulk_suspend_goes_through_the_same_confirmation(admin_client, store_a, store_b):
    changelist = admin_url("tenants_store_changelist")
    first = admin_client.post(
        changelist, {"action": "suspend", "_selected_action": [store_a.pk, store_b.pk]}, HTTP_HOST=PLATFORM_HOST
    )
    assert first.status_code == 200 and 'name="reason"' in first.content.decode()
    assert Store.objects.filter(status="suspended").count() == 0
    admin_client.post(
        changelist,
        {"action": "suspend", "_selected_action": [store_a.pk, store_b.pk], "confirm": "yes", "reason": "Spam wave"},
        HTTP_HOST=PLATFORM_HOST,
    )
    assert set(Store.objects.filter(status="suspended").values_list("slug", flat=True)) == {"alpha", "beta"}
    assert sorted(AdminAction.objects.filter(kind="suspend").values_list("store_slug", "reason")) == [
        ("alpha", "Spam wave"), ("beta", "Spam wave"),
    ]  # fmt: skip


# --- Plan and trial, kept in step with Stripe ---------------------------------------------------------------------


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


def test_change_plan_swaps_the_price_in_stripe_and_here_and_is_audited(
    admin_client, store_a, owner_a, plans, deliverer, stripe_api
):
    record = subscribe(store_a, plans["starter"], deliverer)
    response = _action(
        admin_client, store_a, "change-plan", plan=plans["pro"].pk, interval="year", reason="Agreed upgrade by phone"
    )
    assert response.status_code == 302, response.content.decode()
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert [item["price"]["id"] for item in remote["items"]["data"]] == [plans["pro"].stripe_yearly_price_id]
    record.refresh_from_db()
    assert (record.plan.code, record.interval) == ("pro", "year")
    row = AdminAction.objects.get()
    assert row.kind == "change_plan" and row.reason == "Agreed upgrade by phone"
    assert (row.before["plan"], row.before["interval"]) == ("starter", "month")
    assert (row.after["plan"], row.after["interval"]) == ("pro", "year")
    # The webhooks that follow agree with what the console wrote.
    deliverer.deliver()
    assert Subscription.objects.get(store=store_a).plan.code == "pro"


def test_a_plan_too_small_for_the_store_is_refused_and_stripe_is_untouched(
    admin_client, store_a, owner_a, plans, deliverer, stripe_api
):
    record = subscribe(store_a, plans["pro"], deliverer)
    for number in range(3):  # owner + 3 staff = 4 seats; Starter allows 3
        add_member(store_a, make_user(f"staff{number}@alpha.test"), "staff")
    response = _action(
        admin_client, store_a, "change-plan", plan=plans["starter"].pk, interval="month", reason="Downgrade"
    )
    assert response.status_code == 400
    assert "uses more than the Starter plan allows" in response.content.decode()
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert [item["price"]["id"] for item in remote["items"]["data"]] == [plans["pro"].stripe_monthly_price_id]
    assert Subscription.objects.get(store=store_a).plan.code == "pro"
    assert not AdminAction.objects.exists()


def test_change_plan_without_a_subscription_says_so(admin_client, store_a, plans):
    response = _action(admin_client, store_a, "change-plan", plan=plans["pro"].pk, interval="month", reason="x")
    assert response.status_code == 400 and "no subscription to change" in response.content.decode()
    assert not AdminAction.objects.exists()


def test_extend_trial_moves_the_trial_end_in_stripe_and_here_and_is_audited(
    admin_client, store_a, store_b, owner_a, plans, deliverer, stripe_api
):
    record = subscribe(store_a, plans["starter"], deliverer)
    old_end = record.trial_end
    response = _action(admin_client, store_a, "extend-trial", days=10, reason="Onboarding took longer")
    assert response.status_code == 302, response.content.decode()
    record.refresh_from_db()
    assert record.trial_end == old_end + timedelta(days=10)
    remote = stripe_api.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert remote.trial_end == int(record.trial_end.timestamp()) and remote.status == "trialing"
    row = AdminAction.objects.get()
    assert row.kind == "extend_trial" and row.after["extended_by_days"] == 10
    assert (row.before["trial_end"], row.after["trial_end"]) == (old_end.isoformat(), record.trial_end.isoformat())
    assert not Subscription.objects.filter(store=store_b).exists()


def test_extend_trial_refuses_bad_input_and_a_store_without_a_trial(admin_client, store_a, plans):
    for days in ("0", "-3", "abc", "1000"):
        assert _action(admin_client, store_a, "extend-trial", days=days, reason="x").status_code == 400
    response = _action(admin_client, store_a, "extend-trial", days=5, reason="x")
    assert response.status_code == 400 and "no subscription to change" in response.content.decode()
    assert not AdminAction.objects.exists()


def test_the_store_page_lists_its_audit_rows_and_only_its_own(admin_client, store_a, store_b):
    _action(admin_client, store_b, "suspend", reason="Beta only")
    page = admin_client.get(admin_url("tenants_store_change", store_a.pk), HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "No admin has acted on this store yet." in page and "Beta only" not in page
    page = admin_client.get(admin_url("tenants_store_change", store_b.pk), HTTP_HOST=PLATFORM_HOST).content.decode()
    # Suspended now, so the page offers to reactivate it (and no longer to suspend it).
    assert "Beta only" in page and "Reactivate store" in page and "Suspend store" not in page
