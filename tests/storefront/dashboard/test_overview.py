"""The dashboard overview: the setup checklist ticks from the store's own state, figures show from the first day,
and the store's status is told as it is (live, suspended with its reason, closed)."""

import re
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import add_member, host_of, make_user, sign_in_on


def _overview(client, store) -> str:
    response = client.get("/dashboard/", HTTP_HOST=host_of(store))
    assert response.status_code == 200
    return response.content.decode()


def _steps(page: str) -> dict[str, str]:
    """Each checklist step's key and state ("done" or "todo") as the page shows it."""
    found = re.findall(r'class="setup-step is-(done|todo)" data-step="([a-z]+)"', page)
    return {key: state for state, key in found}


def _set_up_everything(store) -> None:
    from billing.models import ConnectedAccount
    from storefront.checkout.settings_services import save_shipping_rate, save_shipping_zone
    from storefront.themes.selectors import store_profile
    from storefront.themes.services import update_profile

    with schema_context(store.schema_name):
        zone = save_shipping_zone(zone=None, name="Home", countries="US", tax_rate="0")
        save_shipping_rate(zone=zone, rate=None, name="Standard", kind="flat", price="5.00")
        update_profile(profile=store_profile(), theme="midnight")
    # What Stripe said about the store's account when onboarding came back (billing keeps it in public).
    ConnectedAccount.objects.create(store=store, stripe_account_id=f"acct_{store.slug}", charges_enabled=True)


def test_a_new_stores_checklist_shows_what_is_left_with_links_to_the_pages_that_do_it(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    page = _overview(client, store_a)
    # The session store has one product and nothing else set up.
    assert _steps(page) == {"product": "done", "shipping": "todo", "payments": "todo", "theme": "todo", "open": "todo"}
    assert "1 of 5 done" in page
    for link in ('href="/dashboard/shipping/"', 'href="/dashboard/payments/"', 'href="/dashboard/settings/"'):
        assert link in page, link
    # Zero-state figures rather than an empty page, and where orders will show.
    assert re.search(r'id="figure-orders"><strong>0</strong> paid orders', page)
    assert "<strong>$0.00</strong> net sales" in page
    assert "No paid orders yet." in page and 'href="/dashboard/orders/"' in page


def test_steps_tick_from_the_stores_state_and_untick_when_it_changes_back(client, store_a, owner_a):
    from storefront.catalog.models import Product

    sign_in_on(client, owner_a, store_a)
    _set_up_everything(store_a)
    page = _overview(client, store_a)
    assert set(_steps(page).values()) == {"done"}
    # Complete: folded away, nothing left to do.
    assert '<details class="setup-checklist is-complete"' in page
    assert "Setup complete: all 5 steps done" in page

    # No click recorded anywhere: taking the products away makes both product steps to do again.
    with schema_context(store_a.schema_name):
        Product.objects.all().delete()
    page = _overview(client, store_a)
    assert _steps(page)["product"] == "todo" and _steps(page)["open"] == "todo"
    assert _steps(page)["shipping"] == "done"
    assert '<section class="setup-checklist"' in page


def test_a_store_that_cannot_take_orders_is_not_open(client, store_a, owner_a):
    from billing.models import ConnectedAccount

    sign_in_on(client, owner_a, store_a)
    _set_up_everything(store_a)
    # Stripe took the account's charges away (e.g. it asks for more details): payments and opening are to do.
    ConnectedAccount.objects.filter(store=store_a).update(charges_enabled=False)
    steps = _steps(_overview(client, store_a))
    assert steps["payments"] == "todo" and steps["product"] == "done" and steps["shipping"] == "done"


def test_store_b_checklist_and_figures_never_reflect_store_a(client, store_a, store_b, owner_a):
    from tests.console.conftest import make_paid_order

    _set_up_everything(store_a)
    make_paid_order(store_a, total=Decimal("42.00"), paid_at=timezone.now())
    sign_in_on(client, owner_a, store_a)
    alpha = _overview(client, store_a)
    assert set(_steps(alpha).values()) == {"done"}
    assert re.search(r'id="figure-orders"><strong>1</strong> paid order<', alpha)

    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    beta = _overview(client, store_b)
    assert _steps(beta) == {"product": "done", "shipping": "todo", "payments": "todo", "theme": "todo", "open": "todo"}
    assert re.search(r'id="figure-orders"><strong>0</strong> paid orders', beta)
    assert "$42.00" not in beta


def test_staff_are_told_who_connects_payments_instead_of_a_link_they_cannot_open(client, store_a):
    clerk = make_user("clerk@alpha.test")
    add_member(store_a, clerk, "staff")
    sign_in_on(client, clerk, store_a)
    page = _overview(client, store_a)
    assert "The store's owner connects payments." in page
    assert 'class="button setup-link" href="/dashboard/payments/"' not in page


def test_a_live_store_says_so(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    page = _overview(client, store_a)
    assert "Your store is live at <a" in page and host_of(store_a) in page
    assert "suspended" not in page


def test_a_suspended_store_says_so_with_the_reason_and_what_to_do(client, store_a, owner_a):
    from tenants.services import suspend_store

    suspend_store(store=store_a, reason="Listings copy another brand's photos")
    sign_in_on(client, owner_a, store_a)
    page = _overview(client, store_a)
    assert "is live" not in page
    assert "Your store is suspended: buyers can't see it or order." in page
    assert "Mercato has suspended this store: Listings copy another brand&#x27;s photos" in page
    assert "To have it reactivated, reply to Mercato's email about the suspension" in page
    assert "Your store is suspended; its storefront at" in page


def test_a_store_suspended_without_a_reason_still_says_it_is_suspended(client, store_a, owner_a):
    from tenants.services import suspend_store

    suspend_store(store=store_a)
    sign_in_on(client, owner_a, store_a)
    page = _overview(client, store_a)
    assert "is live" not in page
    assert "Mercato has suspended this store." in page


def test_a_closed_stores_status_says_closed_not_live(rf, store_a, owner_a):
    # A closed store's host answers nothing, so its dashboard is seen only through the shared status part.
    store_a.status, store_a.closed_at = "closed", timezone.now()
    html = render_to_string(
        "dashboard/_store_status.html", {"store": store_a, "billing_alert_reason": "", "membership": None}
    )
    assert 'Your store is closed: buyers see a "closed" page and can\'t order.' in html
    assert "live" not in html
