"""Plan limits where they bite: active products, staff seats, custom domains, and downgrades below usage."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from billing import limits, services
from billing.models import Plan, Subscription
from storefront.catalog.models import Product
from storefront.catalog.services import create_product, update_product
from tenants.models import DomainClaim, Membership
from tenants.services import accept_invitation, add_custom_domain, invite_staff
from tests.billing.conftest import subscribe
from tests.conftest import add_member, host_of, make_user, sign_in_on

pytestmark = pytest.mark.usefixtures("limits_on")


def _on_plan(store, plan: Plan, status: str = "active") -> None:
    Subscription.objects.update_or_create(
        store=store, defaults={"plan": plan, "status": status, "stripe_customer_id": f"cus_{store.slug}"}
    )


def test_the_product_after_the_limit_is_refused_naming_the_plan_and_the_upgrade_link(store_a, plans):
    Plan.objects.filter(code="starter").update(max_products=3)
    _on_plan(store_a, Plan.objects.get(code="starter"))
    with schema_context(store_a.schema_name):
        assert Product.objects.filter(status="active").count() == 1  # the session store's tent
        create_product(title="Two", price="1.00")
        create_product(title="Three", price="1.00")
        with pytest.raises(ValidationError) as refused:
            create_product(title="Four", price="1.00")
        assert refused.value.message_dict == {
            "status": ["Your Starter plan allows 3 active products. Upgrade your plan to add more: /dashboard/billing/"]
        }
        draft = create_product(title="Draft four", price="1.00", status="draft")  # drafts don't count
        with pytest.raises(ValidationError):
            update_product(product=draft, status="active")
        assert Product.objects.filter(status="active").count() == 3


def test_free_allows_25_active_products(store_a, plans):
    with schema_context(store_a.schema_name):
        for number in range(24):
            create_product(title=f"Peg {number}", price="1.00")
        with pytest.raises(ValidationError, match="Your Free plan allows 25 active products"):
            create_product(title="Peg 25", price="1.00")


def test_staff_seats_count_people_and_open_invitations(store_a, owner_a, plans):
    with pytest.raises(ValidationError, match=r"Your Free plan allows 1 staff seat \(owner included\)"):
        invite_staff(store=store_a, email="helper@alpha.test", role="staff", invited_by=owner_a)
    Plan.objects.filter(code="starter").update(max_staff_seats=2)
    _on_plan(store_a, Plan.objects.get(code="starter"))
    _, token = invite_staff(store=store_a, email="helper@alpha.test", role="staff", invited_by=owner_a)
    with pytest.raises(ValidationError, match="Your Starter plan allows 2 staff seats"):
        invite_staff(store=store_a, email="second@alpha.test", role="staff", invited_by=owner_a)
    helper = make_user("helper@alpha.test")
    assert accept_invitation(token=token, user=helper, store=store_a).role == "staff"
    assert Membership.objects.filter(store=store_a).count() == 2


def test_accepting_an_old_invitation_after_a_downgrade_is_refused(store_a, owner_a, plans):
    _on_plan(store_a, plans["starter"])
    _, token = invite_staff(store=store_a, email="late@alpha.test", role="staff", invited_by=owner_a)
    Subscription.objects.filter(store=store_a).update(status="canceled")  # back on Free: 1 seat
    with pytest.raises(ValidationError, match=r"Your Free plan allows 1 staff seat \(owner included\)"):
        accept_invitation(token=token, user=make_user("late@alpha.test"), store=store_a)


def test_custom_domains_follow_the_plan(store_a, plans):
    with pytest.raises(ValidationError) as refused:
        add_custom_domain(store=store_a, domain="shop.alpha.example")
    assert refused.value.message_dict["domain"][0].startswith("Your Free plan allows 0 custom domains.")
    _on_plan(store_a, plans["starter"])
    add_custom_domain(store=store_a, domain="shop.alpha.example")
    with pytest.raises(ValidationError, match=r"Your Starter plan allows 1 custom domain\. "):
        add_custom_domain(store=store_a, domain="more.alpha.example")
    assert DomainClaim.objects.filter(store=store_a).count() == 1


def test_the_limit_message_shows_in_the_dashboard_with_the_upgrade_link(client_django, store_a, owner_a, plans):
    from tests.conftest import host_of, sign_in_on

    sign_in_on(client_django, owner_a, store_a)
    page = client_django.post("/dashboard/domains/", {"domain": "shop.alpha.example"}, HTTP_HOST=host_of(store_a))
    assert page.status_code == 400
    assert "Your Free plan allows 0 custom domains. Upgrade your plan to add more: /dashboard/billing/" in (
        page.content.decode()
    )


def test_a_downgrade_below_usage_is_refused_and_changes_nothing(store_a, owner_a, plans, deliverer, client):
    record = subscribe(store_a, plans["pro"], deliverer)
    add_member(store_a, make_user("a@alpha.test"), "staff")
    add_member(store_a, make_user("b@alpha.test"), "staff")
    add_member(store_a, make_user("c@alpha.test"), "staff")
    with pytest.raises(ValidationError) as refused:
        services.change_plan(store=store_a, plan=plans["starter"], interval="month")
    assert refused.value.messages == [
        "Your store uses more than the Starter plan allows: 4 staff seats (the Starter plan allows 3). Remove some first."
    ]
    remote = client.v1.subscriptions.retrieve(record.stripe_subscription_id)
    assert remote["items"]["data"][0]["price"]["id"] == plans["pro"].stripe_monthly_price_id
    assert Subscription.objects.get(store=store_a).plan.code == "pro"


def test_a_trial_that_falls_back_to_free_keeps_data_but_refuses_more(store_a, plans):
    """Falling to Free over its limits is handled explicitly: nothing is deleted, new things are refused."""
    _on_plan(store_a, plans["starter"])
    with schema_context(store_a.schema_name):
        for number in range(26):
            create_product(title=f"Mug {number}", price="1.00")
    Subscription.objects.filter(store=store_a).update(status="canceled")
    assert limits.usage(store_a)["products"] == 27
    with schema_context(store_a.schema_name), pytest.raises(ValidationError, match="Free plan allows 25"):
        create_product(title="One more", price="1.00")


def test_another_stores_plan_never_lifts_this_stores_limit(store_a, store_b, plans):
    _on_plan(store_b, plans["pro"])
    assert limits.plan_for_store(store_a).code == "free"
    with schema_context(store_a.schema_name):
        assert limits.active_product_count(store_a) == 1


def test_an_invitation_refused_for_want_of_a_seat_leaves_no_account_behind(client_django, store_a, owner_a, plans):
    """The account is made in the invitation's own transaction: a refusal at the last step undoes it."""
    from platform.accounts.models import User
    from tests.conftest import host_of

    _on_plan(store_a, plans["starter"])
    _, token = invite_staff(store=store_a, email="newcomer@alpha.test", role="staff", invited_by=owner_a)
    Subscription.objects.filter(store=store_a).update(status="canceled")  # back on Free: its one seat is taken
    response = client_django.post(
        f"/dashboard/invitations/{token}/", {"password": "a fresh passphrase 99"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 400
    assert "Your Free plan allows 1 staff seat (owner included)" in response.content.decode()
    assert not User.objects.filter(email__iexact="newcomer@alpha.test").exists()
    assert not Membership.objects.filter(store=store_a, user__email__iexact="newcomer@alpha.test").exists()


def test_the_billing_page_counts_in_words_a_person_reads(client_django, store_a, owner_a, plans):
    sign_in_on(client_django, owner_a, store_a)
    page = client_django.get("/dashboard/billing/", HTTP_HOST=host_of(store_a)).content.decode()
    # The session store has one product and its owner; Free allows 25 products, 1 seat and no custom domain.
    assert "Using 1 active product, 1 staff seat, 0 custom domains." in page
    free = page.split('data-plan="free"', 1)[1].split("</ul>", 1)[0]
    assert "<li>25 active products</li>" in free and "<li>1 staff seat</li>" in free
    assert "<li>0 custom domains</li>" in free
    assert "staff seats</li>" not in free
